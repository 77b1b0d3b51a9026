import { it } from 'vitest';
import fs from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { parquet } from '../../src/pipeline/parquet-extractor.js';
import { parquetBytes } from '../helpers/parquet-files.js';
it('x', async () => {
  const n = 3000;
  const bytes = parquetBytes({
    id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: Array.from({ length: n }, (_, i) => i) },
    s: { element: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }, data: Array.from({ length: n }, (_, i) => `text ${i} `.repeat(i % 7)) },
  }, { rowGroupSize: 1000 });
  const md = parquetMetadata(bytes);
  const col = md.row_groups[1]!.columns[1]!.meta_data!;
  console.log(md.row_groups.map(g => g.columns.map(c => [c.meta_data!.dictionary_page_offset, c.meta_data!.data_page_offset, c.meta_data!.total_compressed_size])));
  const at = Number(col.dictionary_page_offset || col.data_page_offset);
  for (const [what, off, len] of [['header', 0, 4], ['data', 40, 30], ['data-late', Number(col.total_compressed_size) - 20, 10]] as const) {
    const bad = Buffer.from(bytes); bad.fill(0x5a, at + off, at + off + len);
    fs.writeFileSync('/tmp/fx/bad.parquet', bad);
    try { let c = 0; for await (const b of parquet('/tmp/fx/bad.parquet').open({ cwd: '/' })) c += b.length; console.log(what, 'no error', c); }
    catch (e) { console.log(what, (e as Error).message); }
  }
  fs.writeFileSync('/tmp/fx/bad.parquet', bytes.subarray(0, bytes.length - 100));
  try { await parquet('/tmp/fx/bad.parquet').check({ cwd: '/' }); } catch (e) { console.log('trunc', (e as Error).message); }
  const b2 = Buffer.from(bytes); b2.write('XXXX', 0);
  fs.writeFileSync('/tmp/fx/bad.parquet', b2);
  try { await parquet('/tmp/fx/bad.parquet').check({ cwd: '/' }); } catch (e) { console.log('head', (e as Error).message); }
  const b3 = Buffer.from(bytes); b3.writeUInt32LE(1 << 30, b3.length - 8);
  fs.writeFileSync('/tmp/fx/bad.parquet', b3);
  try { await parquet('/tmp/fx/bad.parquet').check({ cwd: '/' }); } catch (e) { console.log('mdlen', (e as Error).message); }
  const b4 = Buffer.from(bytes); const ml = b4.readUInt32LE(b4.length - 8); b4.fill(0xff, b4.length - 8 - ml + 10, b4.length - 8 - ml + 30);
  fs.writeFileSync('/tmp/fx/bad.parquet', b4);
  try { await parquet('/tmp/fx/bad.parquet').check({ cwd: '/' }); console.log('footer garbage: no error') } catch (e) { console.log('footer', (e as Error).message); }
});
