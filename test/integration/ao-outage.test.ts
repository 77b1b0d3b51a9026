// AO stops in the middle of a run: the run has published and is about to index when the
// local AO units go down. The release stays intact and is reported released-not-indexed; once
// the units are back (same state directory) a sync registers it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AoconnectIndex } from '../../src/ao/aoconnect-index.js';
import { syncRegistry } from '../../src/ao/indexer.js';
import { registrySource } from '../../src/ao/registry-source.js';
import { readWallet } from '../../src/archive/wallet.js';
import { startAoUnits, type AoUnits } from '../../src/devnet/ao-units.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { createSystem } from '../../src/system.js';
import { fetchBytes, seedWallets } from '../helpers/devnet.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

async function indexOn(units: AoUnits, walletFile: string) {
  return AoconnectIndex.create({ mu: units.muUrl, cu: units.cuUrl, gateway: units.gatewayUrl, registry: units.registry }, readWallet(walletFile));
}

describe('AO going down during a run', () => {
  it('leaves the release intact and not indexed; ao sync indexes it once AO is back', async () => {
    const home = tmpDir();
    await seedWallets(path.join(home, 'devnet'));
    const system = createSystem({ cwd: repoRoot, home }, {});
    const store = await system.openStore();
    const network = await system.openNetwork();
    const walletFile = network.config.walletFile!;
    const aoDir = path.join(home, 'devnet', 'ao');
    const start = () => startAoUnits({ dir: aoDir, port: 0, wallet: readWallet(walletFile), registrySource: registrySource() });
    let units = await start();
    try {
      const registry = units.registry;
      // The run gets its index, and the units stop before it sends Register.
      network.index = async () => {
        const index = await indexOn(units, walletFile);
        await units.stop();
        return index;
      };
      const result = await executeRun(await system.pipelines.load('reviews'), { ...store, cwd: repoRoot, publish: system.publishDeps(store, network) });
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ status: 'released-not-indexed', indexed: false, indexError: { code: 'AO_UNREACHABLE' } });
      const [dataset, model] = result.artifacts;
      expect(dataset).toMatchObject({ status: 'released', version: 1 });
      expect(model).toMatchObject({ status: 'released', version: 1 });
      // Intact: committed in the ledger and served by the gateway under its content ID.
      expect(await store.releases.latest('local', 'reviews')).toMatchObject({ state: 'committed', content_id: dataset!.contentId, indexed_in: null });
      await network.settle();
      const card = await fetchBytes(`${network.config.gateways[0]}/${dataset!.contentId}/arkive.json`);
      expect(JSON.parse(card.bytes.toString())).toMatchObject({ name: 'reviews', version: 1, digest: dataset!.digest });

      units = await start();
      expect(units.registry).toBe(registry);
      const index = await indexOn(units, walletFile);
      expect(await index.get('reviews')).toBeNull();
      const report = await syncRegistry({ index, releases: store.releases, models: store.models, network: 'local' });
      expect(report.registered.map((e) => `${e.name} v${e.version}`)).toEqual(['reviews v1', 'reviews-model v1']);
      expect(await index.get('reviews')).toMatchObject({ contentId: dataset!.contentId, digest: dataset!.digest });
      expect((await index.lineage('reviews-model'))?.dataset?.contentId).toBe(dataset!.contentId);
      expect((await store.releases.latest('local', 'reviews'))?.indexed_in).toBe(registry);
    } finally {
      await units.stop();
      await network.close();
      await store.close();
    }
  }, 120_000);
});
