// Parquet files for the parquet source's tests, written by hyparquet-writer with explicit
// schemas so every logical type is the one named (not guessed from the data).
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource, ParquetWriteOptions } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';

export interface Column {
  element: Omit<SchemaElement, 'name'>;
  data: unknown[];
}

/** A Parquet file of these top-level columns (plus the elements of nested ones, in `extra`). */
export function parquetBytes(columns: Record<string, Column>, options: Pick<ParquetWriteOptions, 'rowGroupSize' | 'codec' | 'compressors'> & { extra?: Record<string, SchemaElement[]> } = {}): Buffer {
  const names = Object.keys(columns);
  const schema: SchemaElement[] = [{ name: 'root', num_children: names.length }];
  for (const name of names) schema.push({ name, ...columns[name]!.element }, ...(options.extra?.[name] ?? []));
  const columnData: ColumnSource[] = names.map((name) => ({ name, data: columns[name]!.data as ColumnSource['data'] }));
  const bytes = parquetWriteBuffer({
    columnData, schema, codec: options.codec ?? 'SNAPPY', rowGroupSize: options.rowGroupSize ?? 100_000, createdBy: 'arkive tests', statistics: false,
    ...(options.compressors && { compressors: options.compressors }),
  });
  return Buffer.from(bytes);
}
