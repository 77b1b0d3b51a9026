import { describe, expect, it } from 'vitest';
import { formatRef, parseRef } from '../../src/retrieve/ref.js';

describe('parseRef', () => {
  it.each([
    ['sScLBIco0w27nq5YnHdrjuX2XCvodz1qjx9QX9fGSxA', { kind: 'contentId', contentId: 'sScLBIco0w27nq5YnHdrjuX2XCvodz1qjx9QX9fGSxA' }],
    [`sha256:${'ab'.repeat(32)}`, { kind: 'digest', digest: `sha256:${'ab'.repeat(32)}` }],
    ['reviews@v12', { kind: 'name', name: 'reviews', version: 12 }],
    ['reviews@latest', { kind: 'name', name: 'reviews', version: 'latest' }],
    ['reviews-model', { kind: 'name', name: 'reviews-model', version: 'latest' }],
  ])('reads %s', (text, ref) => {
    expect(parseRef(text)).toEqual(ref);
    expect(formatRef(parseRef(text))).toBe(text === 'reviews-model' ? 'reviews-model@latest' : text);
  });

  it.each(['', 'Reviews', 'reviews@v0', 'reviews@1', 'sha256:abc', 'a b', '../x', `sha256:${'AB'.repeat(32)}`])('refuses %j with a hint', (text) => {
    expect(() => parseRef(text)).toThrow(expect.objectContaining({ code: 'REF_INVALID', exitCode: 2, hint: expect.stringContaining('@v<N>') }));
  });
});
