// WeaveDrive attestations are kept in the ledger: a re-run attests nothing again even when the
// gateway has not indexed the first attestations yet, and one signed but never posted (a run
// killed in between) is posted as the very same item. Real devnet, real SDK, real SQLite; the
// only fake is a lagging gateway (GraphQL that has indexed nothing yet) in front of the real one.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/archive/gateway.js';
import type { Uploader } from '../../src/archive/uploader.js';
import { attestItems } from '../../src/ao/attest.js';
import { openPublishingHome, type PublishingHome } from '../helpers/publishing-home.js';
import { peopleProject } from '../helpers/project.js';

let home: PublishingHome;
beforeEach(async () => { home = await openPublishingHome(peopleProject('id,name,age\n1,Ann,3\n')); });
afterEach(() => home.close());

const itemId = () => randomBytes(32).toString('base64url');

/** FAKE (named so): the real gateway, except that its GraphQL has indexed nothing yet. */
function laggingGateway(real: Gateway): Gateway {
  return { urls: real.urls, query: async () => [], data: (id) => real.data(id), rawDigest: (id, max) => real.rawDigest(id, max) };
}

async function attestationsOnChain(): Promise<Array<{ id: string; message: string }>> {
  await home.network.settle();
  const items = await home.network.gateway.query({
    owners: [home.network.uploader.address], tags: [{ name: 'Type', values: ['Attestation'] }], first: 100,
  });
  return items.map((i) => ({ id: i.id, message: i.tags.find((t) => t.name === 'Message')!.value }));
}

describe('attestations in the ledger', () => {
  it('a re-run before the gateway indexes them attests nothing again', async () => {
    const ids = [itemId(), itemId(), itemId()];
    const deps = { uploader: home.network.uploader, gateway: laggingGateway(home.network.gateway), uploads: home.store.uploads };
    expect(await attestItems(ids, deps)).toEqual({ attested: ids, already: [] });
    expect(await attestItems([...ids, ids[0]!], deps)).toEqual({ attested: [], already: ids });
    const onChain = await attestationsOnChain();
    expect(onChain.map((a) => a.message).sort()).toEqual([...ids].sort());
  }, 60_000);

  it('posts an attestation signed by a run killed before posting it as the same item', async () => {
    const id = itemId();
    const real = home.network.uploader;
    const dying: Uploader = Object.assign(Object.create(real) as Uploader, {
      post: async () => { throw new Error('killed before the post reached the bundler'); },
    });
    const gateway = laggingGateway(home.network.gateway);
    await expect(attestItems([id], { uploader: dying, gateway, uploads: home.store.uploads })).rejects.toThrow(/killed/);
    const [recorded] = await home.store.uploads.attestations(real.address, [id]);
    expect(recorded).toMatchObject({ item_id: id, state: 'signed' });

    expect(await attestItems([id], { uploader: real, gateway, uploads: home.store.uploads })).toEqual({ attested: [id], already: [] });
    expect(await attestationsOnChain()).toEqual([{ id: recorded!.attestation_id, message: id }]);
    const [posted] = await home.store.uploads.attestations(real.address, [id]);
    expect(posted!.state).toBe('posted');
  }, 60_000);
});
