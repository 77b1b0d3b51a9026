// Turns scraped HTML fragments into plain text: tags removed (script/style with their
// content), entities decoded, whitespace collapsed. Tags are stripped before entities are
// decoded, so an escaped "&lt;b&gt;" stays literal text instead of becoming a tag.

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«',
  raquo: '»', bull: '•', middot: '·', deg: '°', euro: '€', pound: '£', yen: '¥', cent: '¢',
  eacute: 'é', egrave: 'è', ecirc: 'ê', aacute: 'á', agrave: 'à', acirc: 'â', iacute: 'í',
  oacute: 'ó', ocirc: 'ô', uacute: 'ú', ntilde: 'ñ', ccedil: 'ç', uuml: 'ü', ouml: 'ö', auml: 'ä',
  szlig: 'ß', times: '×', frac12: '½', hearts: '♥', shy: '',
};

const BLOCK_WITH_CONTENT = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const TAG = /<\/?[a-zA-Z][^<>]*>|<!--[\s\S]*?-->/g;
const ENTITY = /&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g;
const SPACE = /\s+/g;
// Anything htmlToText would change beyond trimming: markup, entities, or whitespace other
// than single spaces. Most real text has none, and one test is cheaper than three replaces.
const NEEDS_WORK = /[<&\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]| {2}/;

export function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(ENTITY, (whole, body: string) => {
    if (body[0] !== '#') return NAMED[body] ?? NAMED[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

export function stripHtml(text: string): string {
  if (text.indexOf('<') < 0) return decodeEntities(text);
  return decodeEntities(text.replace(BLOCK_WITH_CONTENT, ' ').replace(TAG, ' '));
}

/** Plain text from an HTML fragment, on one line with single spaces. */
export function htmlToText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text.trim();
  return stripHtml(text).replace(SPACE, ' ').trim();
}
