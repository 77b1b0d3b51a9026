// The UDL on the items of a release: every kind of item carries the same UDL tags, the tag
// schema takes exactly the UDL's tags with its grammar, and the largest UDL a pipeline can
// state keeps the largest item's tags within the bundlers' 4096 bytes.
import { describe, expect, it } from 'vitest';
import { releaseTags } from '../../src/archive/release-tags.js';
import { ArkiveTags, MAX_TAG_BYTES, serializedTagBytes, type Tag } from '../../src/archive/tags.js';
import { UDL_TERMS, UDL_TX_ID, udlProblems, udlTags, type UdlTerms } from '../../src/snapshot/udl.js';

const SHA = 'a'.repeat(64);
const ADDRESS = `${'Z'.repeat(42)}w`;
const udl = udlTags({ commercialUse: 'Allowed-With-Credit', derivations: 'Allowed-With-RevenueShare-25%', dataModelTraining: 'Allowed' });
const ctx = { kind: 'dataset' as const, name: 'reviews', pipeline: 'reviews', runId: 'run-1', version: 3, digest: `sha256:${SHA}`, udl };
const asMap = (tags: Tag[]) => Object.fromEntries(tags.map((t) => [t.name, t.value]));

/** The longest value each term's grammar takes: what a pipeline could push into every item's tags. */
const LONGEST: UdlTerms = {
  commercialUse: 'Allowed-With-Credit',
  derivations: 'Allowed-With-License-Passthrough',
  dataModelTraining: `Allowed-With-Fee-One-Time-${'9'.repeat(18)}.${'9'.repeat(12)}` as UdlTerms['dataModelTraining'],
  licenseFee: `One-Time-${'9'.repeat(18)}.${'9'.repeat(12)}` as UdlTerms['licenseFee'],
  currency: 'ABCDEFGHIJ',
  paymentAddress: ADDRESS,
  paymentMode: 'Random-Distribution',
  expires: 999,
  unknownUsageRights: 'Excluded',
};

describe('UDL tags on a release', () => {
  it('are carried, the same, by every kind of item', () => {
    const kinds = ['chunk', 'card', 'document', 'release'] as const;
    for (const kind of kinds) expect(asMap(releaseTags(ctx, kind, 'application/json', SHA)), kind).toMatchObject(udl);
    const model = asMap(releaseTags({ ...ctx, kind: 'model', name: 'reviews-model', trainedOn: 'T'.repeat(43) }, 'checkpoint', 'application/octet-stream', SHA));
    expect(model).toMatchObject({ ...udl, 'Model-Name': 'reviews-model' });
    expect(asMap(releaseTags({ ...ctx, udl: undefined }, 'chunk', 'application/gzip', SHA)).License).toBeUndefined();
  });

  it('take exactly the UDL tags, with the grammar pipelines are checked against', () => {
    const shape = Object.keys(ArkiveTags.shape);
    for (const rule of Object.values(UDL_TERMS)) expect(shape).toContain(rule.tag);
    const tags = { ...asMap(releaseTags(ctx, 'chunk', 'application/gzip', SHA)) };
    expect(ArkiveTags.safeParse(tags).success).toBe(true);
    // A gateway's or a hand-made tag set: a bad value, another licence ID, a stray term, a term without License.
    for (const bad of [
      { Derivation: 'Allowed-With-RevenueShare-101%' }, { License: 'yRj4a5KMctX_uOmKWCFJIjmY8DeJcusVk6-HzLiM_t8' },
      { 'License-Fee': 'One-Time-5' }, { Expires: '5' }, { Currency: 'ar' }, { 'Payment-Address': 'x' },
    ]) expect(ArkiveTags.safeParse({ ...tags, ...bad }).success, JSON.stringify(bad)).toBe(false);
    const { License: _license, ...unnamed } = tags;
    expect(ArkiveTags.safeParse(unnamed).error?.issues[0]?.message).toBe('UDL terms without the License tag naming the UDL');
  });

  it('refuse a value the pipeline check would have refused', () => {
    expect(() => releaseTags({ ...ctx, udl: { ...udl, 'Commercial-Use': 'Maybe' } }, 'chunk', 'application/gzip', SHA))
      .toThrow(expect.objectContaining({ code: 'TAGS_INVALID', message: expect.stringContaining('Commercial-Use') }));
  });

  it('keep the largest item within 4096 bytes with the longest UDL, the longest names and description', () => {
    expect(udlProblems(LONGEST)).toEqual([]);
    const longest = {
      ...ctx, name: `m${'x'.repeat(63)}`, pipeline: `p${'y'.repeat(63)}`, runId: '20261125T020501Z-3f9a1c', version: 2 ** 31,
      description: 'é'.repeat(300), license: 'LicenseRef-' + 'L'.repeat(53), parent: 'P'.repeat(43), schemaSha256: SHA, udl: udlTags(LONGEST),
    };
    const manifest = releaseTags(longest, 'release', 'application/x.arweave-manifest+json', SHA);
    const model = releaseTags({ ...longest, kind: 'model', trainedOn: 'T'.repeat(43) }, 'release', 'application/x.arweave-manifest+json', SHA);
    for (const tags of [manifest, model]) {
      expect(asMap(tags).License).toBe(UDL_TX_ID);
      expect(serializedTagBytes(tags)).toBeLessThanOrEqual(MAX_TAG_BYTES);
    }
    // The UDL's share of the budget, so that a term added later shows here what it costs.
    expect(serializedTagBytes(Object.entries(udlTags(LONGEST)).map(([name, value]) => ({ name, value })))).toBeLessThan(600);
  });
});
