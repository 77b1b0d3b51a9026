// npm run bench [-- --json] [-- --rows N] [-- --pg-rows N] [-- --only ingest|ingest-parquet|publish|get|checkpoint|rss|ingest-postgres|incremental-1pct|ingest-db|snapshot-postgres] [-- --db-rows N] [-- --snapshot-rows N]: runs the benchmarks and
// prints their figures, as one JSON array with --json. Benchmarks generate their own inputs;
// they never run in CI.
import { benchIngest } from './ingest.js';
import { benchIngestParquet } from './ingest-parquet.js';
import { benchPublish } from './publish.js';
import { benchGet } from './get.js';
import { benchCheckpoint } from './checkpoint.js';
import { benchRss } from './rss.js';
import { benchIncremental, benchIngestPostgres } from './postgres.js';
import { benchIngestDb } from './ingest-db.js';
import { benchSnapshotPostgres } from './snapshot-db.js';
import type { Figure } from './figure.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const json = process.argv.includes('--json');
const only = option('--only');
const suites: Record<string, () => Promise<Figure[]>> = {
  ingest: () => benchIngest(Number(option('--rows') ?? 1_000_000)),
  'ingest-parquet': () => benchIngestParquet(Number(option('--parquet-rows') ?? 500_000)),
  publish: () => benchPublish(Number(option('--publish-rows') ?? 100_000)),
  get: () => benchGet(Number(option('--get-mb') ?? 64)),
  checkpoint: () => benchCheckpoint(Number(option('--checkpoint-gib') ?? 1)),
  rss: () => benchRss(),
  'ingest-postgres': () => benchIngestPostgres(Number(option('--pg-rows') ?? 1_000_000)),
  'incremental-1pct': () => benchIncremental(Number(option('--pg-rows') ?? 1_000_000)),
  'ingest-db': () => benchIngestDb(Number(option('--db-rows') ?? 200_000)),
  'snapshot-postgres': () => benchSnapshotPostgres(Number(option('--snapshot-rows') ?? 1_000_000)),
};
const figures: Figure[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (!only || only === name) figures.push(...(await run()));
}

if (json) console.log(JSON.stringify(figures, null, 2));
else {
  for (const f of figures) {
    console.log(`${f.name.padEnd(24)} ${String(f.value).padStart(12)} ${f.unit}  (ceiling ${f.ceiling}, ratio ${f.ratio})`);
  }
}
