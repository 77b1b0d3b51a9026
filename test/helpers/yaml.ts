// Reads the YAML front matter of a card (README.md) with js-yaml, a real YAML parser (a
// devDependency: the cards are written by arkive's own emitter, src/snapshot/yaml-block.ts).
import jsYaml from 'js-yaml';

/** Front matter and body of a Markdown file that opens with `---`, as the Hub splits them. */
export function splitFrontMatter(text: string): { yaml: string; body: string } {
  const match = /^---\n([\s\S]*?\n)?---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`no front matter in:\n${text.slice(0, 200)}`);
  return { yaml: match[1] ?? '', body: match[2]! };
}

/** The front matter, parsed. */
export function frontMatter(text: string): Record<string, unknown> {
  const parsed = jsYaml.load(splitFrontMatter(text).yaml);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('front matter is not a mapping');
  return parsed as Record<string, unknown>;
}

export function parseYaml(text: string): unknown {
  return jsYaml.load(text);
}
