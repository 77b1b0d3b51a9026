// npm run bench [-- --json] [-- --rows N]: runs the benchmarks and prints their figures,
// as one JSON array with --json. Benchmarks generate their own inputs; they never run in CI.
import { benchIngest } from './ingest.js';
import type { Figure } from './figure.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const json = process.argv.includes('--json');
const rows = option('--rows', 1_000_000);
const figures: Figure[] = [...(await benchIngest(rows))];

if (json) console.log(JSON.stringify(figures, null, 2));
else {
  for (const f of figures) {
    console.log(`${f.name.padEnd(24)} ${String(f.value).padStart(12)} ${f.unit}  (ceiling ${f.ceiling}, ratio ${f.ratio})`);
  }
}
