// A fresh home for a project, with its database and its local network open: what tests that
// run pipelines through publishing need, and how they close it.
import type { NetworkSession } from '../../src/archive/network.js';
import { executeRun, type RunResult } from '../../src/pipeline/execute.js';
import { createSystem, type Store, type System } from '../../src/system.js';
import { tmpDir } from './tmp.js';

export interface PublishingHome {
  system: System;
  store: Store;
  network: NetworkSession;
  /** Runs a pipeline of the project, publishing to the home's network. */
  run(pipeline: string): Promise<RunResult>;
  close(): Promise<void>;
}

export async function openPublishingHome(cwd: string): Promise<PublishingHome> {
  const system = createSystem({ cwd, home: tmpDir() }, {});
  const store = await system.openStore();
  const network = await system.openNetwork();
  return {
    system, store, network,
    run: async (name) => executeRun(await system.pipelines.load(name), { ...store, cwd, publish: system.publishDeps(store, network) }),
    close: async () => {
      await network.close();
      await store.close();
    },
  };
}
