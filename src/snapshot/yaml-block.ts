// A YAML emitter for card front matter (README.md), small enough to be checked by reading.
//
// Why not a YAML library: none is a dependency (js-yaml is only in node_modules through
// another package, without types), and the usual emitters write YAML 1.2, whose plain
// scalars a YAML 1.1 reader such as PyYAML (huggingface_hub's) reads differently: `yes`,
// `on`, `no` become booleans, `1e-7` a string. Here every string is a double-quoted JSON
// string, which YAML 1.1 and 1.2 both read as exactly that string, with the characters JSON
// leaves raw but YAML treats as line breaks or refuses (DEL, C1 controls such as NEL, the
// BOM, U+2028/U+2029, U+FFFE/U+FFFF) escaped as \uXXXX. Every scalar is on one line, so no
// value can open a line with `---` and end the front matter. Numbers use forms both
// versions read as numbers; keys are plain only when no YAML reads them as anything else.

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMapping;
export interface YamlMapping { readonly [key: string]: YamlValue | undefined }

const INDENT = '  ';
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Words YAML 1.1 or 1.2 read as booleans or null when plain. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** The lines of a block mapping (no `---` markers), each ending in a newline. */
export function yamlBlock(mapping: YamlMapping): string {
  return mappingLines(mapping, '').map((line) => `${line}\n`).join('');
}

/** A string as a double-quoted scalar that every YAML reader reads back as the same string. */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) && !RESERVED.test(key) ? key : yamlString(key);
}

function yamlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`YAML front matter cannot hold the number ${value}`);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  const text = String(value);
  if (!text.includes('e')) return text;
  // YAML 1.1 floats need a dot in the mantissa and a sign in the exponent: 1.0e-07.
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`;
}

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value === 'number' ? yamlNumber(value) : yamlString(value);
}

function isMapping(value: YamlValue): value is YamlMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mappingLines(mapping: YamlMapping, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(mapping)) {
    if (value === undefined) continue;
    const head = `${indent}${yamlKey(key)}:`;
    const nested = nestedLines(value, indent + INDENT);
    lines.push(...(nested ? [head, ...nested] : [`${head} ${inline(value)}`]));
  }
  return lines;
}

/** A non-empty collection's lines under its key; undefined for a scalar or an empty collection. */
function nestedLines(value: YamlValue, indent: string): string[] | undefined {
  if (Array.isArray(value)) return value.length === 0 ? undefined : sequenceLines(value, indent);
  if (isMapping(value)) return Object.values(value).every((v) => v === undefined) ? undefined : mappingLines(value, indent);
  return undefined;
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  return isMapping(value) ? '{}' : scalar(value as string | number | boolean | null);
}

function sequenceLines(items: readonly YamlValue[], indent: string): string[] {
  return items.flatMap((item) => {
    const nested = nestedLines(item, indent + INDENT);
    if (!nested) return [`${indent}- ${inline(item)}`];
    // The item's first line goes after the dash; the rest keep their indent (the dash's width).
    if (isMapping(item)) return [`${indent}- ${nested[0]!.slice(indent.length + INDENT.length)}`, ...nested.slice(1)];
    return [`${indent}-`, ...nested];
  });
}
