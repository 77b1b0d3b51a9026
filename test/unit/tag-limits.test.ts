// The bundlers' tag limits, checked once for both uploaders before anything is signed: at
// each limit a tag set passes, one byte (or one tag) over it is refused with exit 2.
import { describe, expect, it } from 'vitest';
import { checkTagLimits, MAX_TAG_NAME_BYTES, MAX_TAG_VALUE_BYTES, MAX_TAGS, type Tag } from '../../src/archive/tags.js';

const refused = { code: 'TAGS_TOO_LARGE', exitCode: 2 };
const check = (tags: Tag[]) => () => checkTagLimits(tags, 'chunk 1 of reviews v3');

describe('checkTagLimits', () => {
  it('takes 128 tags and refuses 129, naming the count', () => {
    const tags = Array.from({ length: MAX_TAGS }, (_, i) => ({ name: `T${i}`, value: 'v' }));
    expect(check(tags)).not.toThrow();
    expect(check([...tags, { name: 'One-More', value: 'v' }])).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/129 tags, over the limit of 128/) }));
  });

  it('counts a name in UTF-8 bytes: 1024 pass, 1025 are refused', () => {
    expect(check([{ name: 'n'.repeat(MAX_TAG_NAME_BYTES), value: 'v' }])).not.toThrow();
    expect(check([{ name: `${'n'.repeat(MAX_TAG_NAME_BYTES - 1)}é`, value: 'v' }])).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/1025 bytes, over the limit of 1024/) }));
  });

  it('counts a value in UTF-8 bytes: 3072 pass, 3073 are refused, naming the tag', () => {
    expect(check([{ name: 'Description', value: 'é'.repeat(MAX_TAG_VALUE_BYTES / 2) }])).not.toThrow();
    expect(check([{ name: 'Description', value: `${'é'.repeat(MAX_TAG_VALUE_BYTES / 2)}x` }])).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/tag Description of chunk 1 of reviews v3 is 3073 bytes/) }));
  });

  it('refuses tags within each limit that exceed 4096 bytes together', () => {
    const tags = [{ name: 'A', value: 'x'.repeat(2040) }, { name: 'B', value: 'y'.repeat(2040) }];
    expect(check(tags)).not.toThrow();
    expect(check([...tags, { name: 'C', value: 'z'.repeat(20) }])).toThrow(expect.objectContaining({ ...refused, message: expect.stringMatching(/over the 4096-byte limit/) }));
  });
});
