// The tags every archived item carries (DESIGN.md, "Conventions on Arweave"). They make
// items discoverable by GraphQL (by dataset, version, kind, content hash) and are checked
// against the protocol's limits before anything is signed, with an error that says which.
import { z } from 'zod';
import { InputError } from '../errors.js';
import { UDL_TERMS, UDL_TX_ID, type UdlTerm } from '../snapshot/udl.js';

/** What bundlers (Irys and Turbo alike, after ANS-104) accept in a data item's tags. */
export const MAX_TAG_BYTES = 4096;
export const MAX_TAGS = 128;
export const MAX_TAG_NAME_BYTES = 1024;
export const MAX_TAG_VALUE_BYTES = 3072;
export const APP_NAME = 'arkive';
export const APP_VERSION = '0.1.0';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
const itemId = z.string().regex(/^[a-zA-Z0-9_-]{43}$/);
/** A UDL term's tag, with the value grammar license.ts checks pipelines against. */
const udl = (term: UdlTerm) => z.string().regex(UDL_TERMS[term].pattern).optional();

/** The tag set as a zod schema; schemas/tags.schema.json is generated from it. */
export const ArkiveTags = z.object({
  'App-Name': z.literal(APP_NAME),
  'App-Version': z.string().min(1),
  'Content-Type': z.string().min(1),
  'Content-SHA256': z.string().regex(/^[0-9a-f]{64}$/),
  /** A chunk's canonical rows sha256: its dedup key, the same whatever compressed it. */
  'Arkive-Rows-SHA256': z.string().regex(/^[0-9a-f]{64}$/).optional(),
  'Arkive-Kind': z.enum(['chunk', 'checkpoint', 'card', 'document', 'release']),
  'Dataset-Name': name.optional(),
  'Model-Name': name.optional(),
  Version: z.string().regex(/^[1-9]\d*$/),
  Pipeline: name,
  'Run-Id': z.string().min(1),
  'Arkive-Digest': z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
  Parent: itemId.optional(),
  'Trained-On': itemId.optional(),
  'Schema-SHA256': z.string().regex(/^[0-9a-f]{64}$/).optional(),
  'License-SPDX': z.string().min(1).max(64).optional(),
  Title: z.string().min(1).max(150).optional(),
  Description: z.string().min(1).max(300).optional(),
  // The Universal Data License (src/snapshot/udl.ts): `License` names it, the terms follow.
  License: z.literal(UDL_TX_ID).optional(),
  'Commercial-Use': udl('commercialUse'),
  Derivation: udl('derivations'),
  'Data-Model-Training': udl('dataModelTraining'),
  'Access-Fee': udl('licenseFee'),
  Currency: udl('currency'),
  'Payment-Address': udl('paymentAddress'),
  'Payment-Mode': udl('paymentMode'),
  Expiry: udl('expires'),
  'Unknown-Usage-Rights': udl('unknownUsageRights'),
}).strict().refine((t) => (t['Dataset-Name'] === undefined) !== (t['Model-Name'] === undefined), {
  message: 'exactly one of Dataset-Name and Model-Name',
}).refine((t) => t.License !== undefined || Object.values(UDL_TERMS).every((rule) => (t as Record<string, unknown>)[rule.tag] === undefined), {
  message: 'UDL terms without the License tag naming the UDL',
});

export type ArkiveTags = z.infer<typeof ArkiveTags>;
export type Tag = { name: string; value: string };

/** Validates the tag set and returns it as an ordered list, within the 4096-byte limit. */
export function toTagList(tags: ArkiveTags, what: string): Tag[] {
  const parsed = ArkiveTags.safeParse(tags);
  if (!parsed.success) {
    throw new InputError({
      code: 'TAGS_INVALID',
      message: `the tags of ${what} are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(tags)'}: ${i.message}`).join('; ')}`,
      hint: 'Check the pipeline name, license and description, which become tags.',
    });
  }
  const list = Object.entries(parsed.data)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([n, value]) => ({ name: n, value }));
  checkTagLimits(list, what);
  return list;
}

/**
 * Bytes of the tags as ANS-104 serializes them (Avro: an array block of records of two
 * strings), computed rather than serialized because arbundles throws past the limit.
 */
export function serializedTagBytes(tags: Tag[]): number {
  const varint = (n: number) => {
    let zigzag = n * 2;
    let bytes = 1;
    while (zigzag >= 0x80) {
      zigzag = Math.floor(zigzag / 0x80);
      bytes++;
    }
    return bytes;
  };
  const string = (s: string) => {
    const length = Buffer.byteLength(s);
    return varint(length) + length;
  };
  if (!tags.length) return 0;
  return varint(tags.length) + tags.reduce((n, t) => n + string(t.name) + string(t.value), 0) + 1;
}

/** ANS-104 caps the serialized tags of a data item; checked before signing, not by the bundler. */
export function checkTagSize(tags: Tag[], what: string): void {
  const bytes = serializedTagBytes(tags);
  if (bytes > MAX_TAG_BYTES) {
    const largest = [...tags].sort((a, b) => b.value.length - a.value.length)[0];
    throw tagsTooLarge(`the tags of ${what} take ${bytes} bytes serialized, over the ${MAX_TAG_BYTES}-byte limit (largest: ${largest?.name}, ${largest?.value.length} characters)`);
  }
}

/**
 * Every limit a bundler puts on tags (count, name and value length, total size), checked by
 * both uploaders before they sign anything: a refused tag set is bad input (exit 2), found
 * before a byte is hashed or posted rather than as a bundler's 400 after a whole upload.
 */
export function checkTagLimits(tags: Tag[], what: string): void {
  if (tags.length > MAX_TAGS) throw tagsTooLarge(`${what} has ${tags.length} tags, over the limit of ${MAX_TAGS}`);
  for (const tag of tags) {
    const name = Buffer.byteLength(tag.name);
    const value = Buffer.byteLength(tag.value);
    if (name > MAX_TAG_NAME_BYTES) {
      throw tagsTooLarge(`a tag name of ${what} (${tag.name.slice(0, 40)}…) is ${name} bytes, over the limit of ${MAX_TAG_NAME_BYTES}`);
    }
    if (value > MAX_TAG_VALUE_BYTES) {
      throw tagsTooLarge(`the value of tag ${tag.name.slice(0, 64)} of ${what} is ${value} bytes, over the limit of ${MAX_TAG_VALUE_BYTES}`);
    }
  }
  checkTagSize(tags, what);
}

function tagsTooLarge(message: string): InputError {
  return new InputError({
    code: 'TAGS_TOO_LARGE',
    message,
    hint: 'Shorten the pipeline description or other long values that become tags (bundlers take at most 128 tags, names of 1024 bytes, values of 3072 bytes, 4096 bytes in all).',
  });
}
