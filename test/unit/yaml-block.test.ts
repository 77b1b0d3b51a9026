// The front-matter emitter: whatever it is given, a real YAML parser (js-yaml) reads back
// exactly that value, and no line it writes opens with `---` (the end of front matter).
import { describe, expect, it } from 'vitest';
import { yamlBlock, yamlString, type YamlMapping } from '../../src/snapshot/yaml-block.js';
import { parseYaml } from '../helpers/yaml.js';

const awkward = [
  '', ' ', 'a: b', 'a #b', '---', '...', '- x', '? x', '! tag', '% dir', '@x', '`x', '|', '>', '"', "'", '\\', '\\n',
  'yes', 'No', 'ON', 'off', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '0', '012', '0x1f', '1e3', '.inf', '-.NaN', '1_000', '2026-12-01',
  'a\nb', 'a\r\nb', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff',
  '\ud800', 'é', '😀', 'x\n---\ny: z', '{a: 1}', '[1, 2]', '&a', '*a', '<<',
];

describe('yamlBlock', () => {
  it('writes strings any YAML reads back unchanged, as values and as keys', () => {
    const mapping: YamlMapping = { values: awkward, keyed: Object.fromEntries(awkward.map((s, i) => [s, i])) };
    const emitted = yamlBlock(mapping);
    expect(emitted.split('\n').filter((line) => line.startsWith('---'))).toEqual([]);
    expect(parseYaml(emitted)).toEqual(mapping);
  });

  it('writes numbers, booleans, null and empty collections as themselves', () => {
    const mapping: YamlMapping = {
      n: [0, 1, -1, 3200, 0.875, 1e-7, -2.5e-12, 1e21, 1.7976931348623157e308, 5e-324, 2 ** 53 + 2, 123456.789],
      b: [true, false], z: null, empty: [], none: {}, nested: [[1, [2]], { a: [] }, [{ b: { c: 'd' } }]],
    };
    expect(parseYaml(yamlBlock(mapping))).toEqual(mapping);
  });

  it('puts a YAML 1.1 float form (dot in the mantissa, signed exponent) on exponent numbers, which PyYAML needs', () => {
    expect(yamlBlock({ a: 1e-7, b: 1e21, c: 2.5e-12 })).toBe('a: 1.0e-7\nb: 1.0e+21\nc: 2.5e-12\n');
  });

  it('leaves out undefined members and refuses numbers YAML front matter cannot hold', () => {
    expect(yamlBlock({ a: undefined, b: 1 })).toBe('b: 1\n');
    expect(() => yamlBlock({ a: Number.NaN })).toThrow(/cannot hold the number NaN/);
    expect(() => yamlBlock({ a: Infinity })).toThrow(/cannot hold the number Infinity/);
  });

  it('escapes the characters YAML reads as line breaks or refuses', () => {
    expect(yamlString('\u0085\u2028\u2029\ufeff\u007f\ufffe')).toBe('"\\u0085\\u2028\\u2029\\ufeff\\u007f\\ufffe"');
  });
});
