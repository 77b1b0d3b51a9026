// Runs a pipeline in-process against a real SQLite home (or a real Postgres: `database`), the way the CLI does.
import { executeRun, type RunResult } from '../../src/pipeline/execute.js';
import { createSystem, type Store } from '../../src/system.js';

export interface RunOpts {
  cwd: string;
  home: string;
  /** `--full`. */
  full?: boolean;
  /** What env() references resolve against (default: none set). */
  env?: Record<string, string>;
  /** A Postgres URL (--database); default the home's SQLite file. */
  database?: string;
}

export async function runPipeline(name: string, opts: RunOpts): Promise<RunResult> {
  const system = createSystem(opts, opts.env ?? {});
  const pipeline = await system.pipelines.load(name);
  const store = await system.openStore(undefined, { migrate: true });
  try {
    return await executeRun(pipeline, { ...store, cwd: system.config.cwd, env: system.config.sourceEnv, full: opts.full });
  } finally {
    await store.close();
  }
}

export async function withStore<T>(opts: { cwd: string; home: string; database?: string }, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await createSystem(opts, {}).openStore(undefined, { migrate: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
