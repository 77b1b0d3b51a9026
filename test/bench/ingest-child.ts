// Runs the reviews pipeline twice on a given export, in a process of its own so its peak
// RSS is the ingest's alone; prints {first, again, maxRssMB} as JSON.
//   node --import tsx test/bench/ingest-child.ts <csv file> <home dir>
import path from 'node:path';
import reviews from '../../pipelines/reviews.js';
import { csv, definePipeline } from '../../src/index.js';
import { executeRun, type RunResult } from '../../src/pipeline/execute.js';
import { createSystem } from '../../src/system.js';

const [file, home] = process.argv.slice(2) as [string, string];
const pipeline = definePipeline({ ...reviews, sources: [csv(file, { name: 'export' })] });
const store = await createSystem({ cwd: path.dirname(file), home }, {}).openStore();

async function timed(): Promise<{ seconds: number; extracted: number }> {
  const start = process.hrtime.bigint();
  const result: RunResult = await executeRun(pipeline, { ...store, cwd: path.dirname(file) });
  if (result.error) throw result.error;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, extracted: result.rows.extracted };
}

const first = await timed();
const again = await timed();
await store.close();
console.log(JSON.stringify({ first, again, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
