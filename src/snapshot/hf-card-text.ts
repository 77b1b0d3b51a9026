// What the dataset and model cards (README.md) share: the document (YAML front matter, then
// Markdown), Markdown that holds untrusted text (field names, descriptions, tag values)
// without breaking a table or a code span, and the "get it" sections.
import { yamlBlock, type YamlMapping } from './yaml-block.js';

/** The gateway the cards' URLs use; any gateway serves the same paths. */
export const CARD_GATEWAY = 'https://arweave.net';

/** The placeholder for the release's content ID, which its own files cannot hold. */
export const RELEASE_PLACEHOLDER = "<the ID in this file's URL>";

/** README.md: front matter and body, UTF-8, ending in one newline. */
export function cardDocument(metadata: YamlMapping, body: readonly string[]): Buffer {
  return Buffer.from(`---\n${yamlBlock(metadata)}---\n\n${body.join('\n').replace(/\n+$/, '')}\n`, 'utf8');
}

const LINE_BREAK = /\r\n?|\n|\u2028|\u2029/g;
const MARKUP = /[\\`*_{}[\]<>()#+!|~]/g;

/** Text for one Markdown table cell: one line, pipes and markup escaped. */
export function mdText(text: string): string {
  return text.replace(LINE_BREAK, ' ').replace(MARKUP, (c) => `\\${c}`);
}

/** Text as Markdown paragraphs: its line breaks kept, markup (and so HTML) escaped. */
export function mdParagraphs(text: string): string {
  return text.split(LINE_BREAK).map((line) => line.replace(MARKUP, (c) => `\\${c}`)).join('\n');
}

/** A code span holding `text` as is (one line), safe inside a table cell. */
export function mdCode(text: string): string {
  const line = text.replace(LINE_BREAK, ' ');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = line.startsWith('`') || line.endsWith('`') || line === '' ? ` ${line} ` : line;
  // GFM splits table cells at every unescaped pipe, code spans included.
  return `${fence}${padded.replace(/\|/g, '\\|')}${fence}`;
}

/** A table row; an empty cell is one space wide. */
export function mdRow(cells: readonly string[]): string {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
}

/** A two-column table of facts. */
export function factsTable(rows: readonly [string, string][]): string[] {
  return ['| | |', '|---|---|', ...rows.map(([what, value]) => `| ${what} | ${value} |`), ''];
}

/** The "with arkive" section: get the release by its content ID, verified. */
export function arkiveSection(name: string, version: number, publisher: string): string[] {
  return [
    '## Get it with arkive', '',
    '```sh',
    `arkive get <content ID> --trust ${publisher} -o ${name}-v${version}`,
    '```', '',
    "`<content ID>` is the ID in this file's URL (`https://<gateway>/<content ID>/README.md`): a release cannot hold",
    'its own ID, which is computed from the list of its files. `arkive get` checks the publisher\'s signature and',
    'every file\'s sha256 against `arkive.json`, and writes nothing if any differs.', '',
  ];
}

/** A Python f-string of a file's URL under the release, on the cards' gateway. */
export function pythonUrl(path: string): string {
  return `f"${CARD_GATEWAY}/{release}/${path}"`;
}

/** The table of a release's files (paths are the card's: letters, digits, . _ - /). */
export function filesTable(files: readonly { path: string; bytes: number; sha256: string; rows?: number }[], rows: boolean): string[] {
  const head = rows ? ['| Path | Rows | Bytes | sha256 |', '|---|---:|---:|---|'] : ['| Path | Bytes | sha256 |', '|---|---:|---|'];
  const line = (f: (typeof files)[number]) => rows
    ? `| ${mdCode(f.path)} | ${f.rows ?? 0} | ${f.bytes} | ${mdCode(f.sha256)} |`
    : `| ${mdCode(f.path)} | ${f.bytes} | ${mdCode(f.sha256)} |`;
  return [...head, ...files.map(line), ''];
}

/** "`<id>`", or what its absence means. */
export function idOrNone(id: string | null | undefined, none: string): string {
  return id ? mdCode(id) : none;
}
