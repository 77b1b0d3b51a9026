// Runs a pipeline in-process against a real SQLite home, the way the CLI does.
import { executeRun, type RunResult } from '../../src/pipeline/execute.js';
import { createSystem, type Store } from '../../src/system.js';

export async function runPipeline(name: string, opts: { cwd: string; home: string }): Promise<RunResult> {
  const system = createSystem(opts, {});
  const pipeline = await system.pipelines.load(name);
  const store = await system.openStore();
  try {
    return await executeRun(pipeline, { ...store, cwd: system.config.cwd });
  } finally {
    await store.close();
  }
}

export async function withStore<T>(opts: { cwd: string; home: string }, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await createSystem(opts, {}).openStore();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
