// Writes the snapshot of one dataset from a database, in a process of its own so its peak RSS
// is the snapshot's alone; prints {rows, seconds, maxRssMB} as JSON.
//   node --import tsx test/bench/snapshot-db-child.ts <postgres url> <dataset> <out dir>
import { openStore } from '../../src/system.js';
import { writeSnapshot } from '../../src/snapshot/snapshot.js';

const [url, dataset, dir] = process.argv.slice(2) as [string, string, string];
const store = await openStore({ dialect: 'postgres', url });
const start = process.hrtime.bigint();
const snapshot = await writeSnapshot({ rows: store.records.iterate(dataset), dir });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
await store.close();
console.log(JSON.stringify({ rows: snapshot.rows, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
