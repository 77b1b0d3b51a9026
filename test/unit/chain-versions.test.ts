// How the chain's versions of a name are read: only this wallet's release manifests of this
// name count, only numbers inside the window asked for, and what a gateway says can only push
// the numbering up. The gateways here are FAKES (in-memory GraphQL answers), some of them lying.
import { describe, expect, it } from 'vitest';
import { highestOnChain } from '../../src/archive/chain-versions.js';
import type { Gateway, GatewayItem, ItemQuery } from '../../src/archive/gateway.js';

const OWNER = 'o'.repeat(43);
const release = { owner: OWNER, kind: 'dataset' as const, name: 'reviews' };

function item(version: string, over: { owner?: string; kind?: string; name?: string; id?: string } = {}): GatewayItem {
  return {
    id: over.id ?? `id-v${version}`.padEnd(43, 'x'),
    owner: { address: over.owner ?? OWNER },
    tags: [
      { name: 'App-Name', value: 'arkive' }, { name: 'Arkive-Kind', value: over.kind ?? 'release' },
      { name: 'Dataset-Name', value: over.name ?? 'reviews' }, { name: 'Version', value: version },
    ],
    data: { size: 100 },
  };
}

/** Numbering never reads item bytes. */
const unused = async (): Promise<never> => { throw new Error('not used by numbering'); };

/** FAKE: answers like an honest GraphQL would from `items`, filtering on the Version values asked for. */
function honest(items: GatewayItem[], queries: ItemQuery[] = []): Gateway {
  return {
    urls: ['http://fake'],
    data: async () => Buffer.alloc(0), rawDigest: unused,
    query: async (filter) => {
      queries.push(filter);
      const versions = filter.tags?.find((t) => t.name === 'Version')?.values ?? [];
      return items.filter((i) => versions.includes(i.tags.find((t) => t.name === 'Version')!.value));
    },
  };
}

/** FAKE: a gateway that ignores the filter and answers the same items to everything. */
const liar = (items: GatewayItem[]): Gateway => ({ urls: ['http://fake'], data: async () => Buffer.alloc(0), rawDigest: unused, query: async () => items });

describe('highestOnChain', () => {
  it('finds the highest version above the one given, across windows, with one query per window', async () => {
    const queries: ItemQuery[] = [];
    const items = Array.from({ length: 250 }, (_, i) => item(String(i + 1)));
    expect(await highestOnChain(honest(items, queries), release, 0)).toEqual({ version: 250, id: items[249]!.id });
    expect(queries).toHaveLength(4); // (0,100], (100,200], (200,300] holding 250, then (250,350] empty
    expect(queries[0]).toMatchObject({ owners: [OWNER], tags: expect.arrayContaining([{ name: 'Dataset-Name', values: ['reviews'] }, { name: 'Arkive-Kind', values: ['release'] }]) });
    expect(await highestOnChain(honest(items), release, 250)).toBeUndefined();
  });

  it('counts only this wallet\'s release manifests of this name', async () => {
    const others = [item('7', { owner: 'x'.repeat(43) }), item('8', { kind: 'card' }), item('9', { name: 'other' }), item('2')];
    expect(await highestOnChain(liar(others), release, 0)).toEqual({ version: 2, id: others[3]!.id });
  });

  it('ignores numbers outside the window asked for and versions that are not positive integers', async () => {
    const lies = [item('1'), item('1e6'), item('-3'), item('2.5'), item('99999999999999999999'), item('1000')];
    // Asked for (1, 101]: only in-window, well-formed numbers count; none here.
    expect(await highestOnChain(liar(lies), release, 1)).toBeUndefined();
    // A liar that answers every window with a higher number cannot keep the probe going forever.
    let next = 0;
    const escalating: Gateway = { urls: ['http://fake'], data: async () => Buffer.alloc(0), rawDigest: unused, query: async () => [item(String(next += 100))] };
    const found = await highestOnChain(escalating, release, 0);
    expect(found!.version).toBe(100 * 100);
  });
});
