// The fields of a dataset's records, read from the JSON Schema of its zod schema
// (z.toJSONSchema): one description that the Parquet writer (column types), the Croissant
// record set (cr:Field dataType) and the Hugging Face card (dataset_info.features) all use,
// so the three can never disagree about a column.
//
// Kinds: `string`, `integer` (with `int32` when the schema's bounds fit 32 bits), `float`,
// `boolean`, `date` (format date: YYYY-MM-DD, what z.iso.date() accepts), `datetime`
// (format date-time: kept as text, since a timestamp type would not give back the stored
// spelling), and `json` for objects, arrays and anything mixed. A field is nullable when
// null is allowed or it is optional: Parquet and JSON Lines readers see both as null.

export type FieldKind = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'datetime' | 'json';

export interface RecordField {
  name: string;
  kind: FieldKind;
  nullable: boolean;
  /** integer only: every allowed value fits a signed 32-bit integer. */
  int32?: boolean;
  /** string only: the allowed values, when the schema enumerates them. */
  enum?: string[];
  description?: string;
}

type JsonSchema = Record<string, unknown>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The top-level fields of an object schema, in its property order; [] for any other schema. */
export function recordFields(schema: JsonSchema): RecordField[] {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties as Record<string, JsonSchema>).map(([name, property]) => {
    const field = fieldOf(name, property);
    return required.has(name) ? field : { ...field, nullable: true };
  });
}

function fieldOf(name: string, property: JsonSchema): RecordField {
  const variants = alternatives(property);
  const nullable = variants.some((v) => v.type === 'null');
  const values = variants.filter((v) => v.type !== 'null');
  const description = typeof property.description === 'string' ? property.description : undefined;
  const base = { name, nullable, ...(description && { description }) };
  if (values.length !== 1) return { ...base, kind: 'json' };
  const only = values[0]!;
  switch (only.type) {
    case 'string': return { ...base, ...stringKind(only) };
    case 'integer': return { ...base, kind: 'integer', int32: fitsInt32(only) };
    case 'number': return { ...base, kind: 'float' };
    case 'boolean': return { ...base, kind: 'boolean' };
    default: return { ...base, kind: 'json' };
  }
}

/** The schema's alternatives, each with one `type`: anyOf/oneOf branches and type arrays. */
function alternatives(property: JsonSchema): JsonSchema[] {
  const branches = (property.anyOf ?? property.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches)) return branches.flatMap(alternatives);
  if (Array.isArray(property.type)) return (property.type as string[]).map((type) => ({ ...property, type }));
  if (typeof property.type === 'string') return [property];
  if (property.const === null) return [{ type: 'null' }];
  if (typeof property.const === 'string') return [{ type: 'string', enum: [property.const] }];
  return [{}];
}

function stringKind(schema: JsonSchema): Pick<RecordField, 'kind' | 'enum'> {
  if (schema.format === 'date') return { kind: 'date' };
  if (schema.format === 'date-time') return { kind: 'datetime' };
  const values = typeof schema.const === 'string' ? [schema.const] : schema.enum;
  if (Array.isArray(values) && values.every((v) => typeof v === 'string')) return { kind: 'string', enum: values as string[] };
  return { kind: 'string' };
}

function fitsInt32(schema: JsonSchema): boolean {
  const { minimum, maximum } = schema;
  return typeof minimum === 'number' && typeof maximum === 'number' && minimum >= INT32_MIN && maximum <= INT32_MAX;
}
