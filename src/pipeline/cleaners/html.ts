// Turns scraped HTML fragments into plain text: tags removed (script/style with their
// content), entities decoded, whitespace collapsed. Tags are stripped before entities are
// decoded, so an escaped "&lt;b&gt;" stays literal text instead of becoming a tag.
import { decodeHTMLStrict } from 'entities/decode';

// A quoted attribute value may hold '>' (`<a title="a>b">`): it is part of the tag, not text.
const TAG_BODY = String.raw`(?:[^<>"']|"[^"]*"|'[^']*')*`;
const BLOCK_WITH_CONTENT = new RegExp(String.raw`<(script|style)\b${TAG_BODY}>[\s\S]*?<\/\1\s*>`, 'gi');
const TAG = new RegExp(String.raw`<\/?[a-zA-Z]${TAG_BODY}>|<!--[\s\S]*?-->`, 'g');
const SPACE = /\s+/g;
// Anything htmlToText would change beyond trimming: markup, entities, or whitespace other
// than single spaces. Most real text has none, and one test is cheaper than three replaces.
const NEEDS_WORK = /[<&\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]| {2}/;

/**
 * Every HTML5 named entity, with its case (`&Eacute;` is É, `&eacute;` é), and numeric
 * references as a browser reads them (`&#0;` and surrogates become U+FFFD). Only references
 * ended by ';' are decoded: a bare `&copy` or `&para` in a URL's query is kept as written.
 */
export function decodeEntities(text: string): string {
  return text.indexOf('&') < 0 ? text : decodeHTMLStrict(text);
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
