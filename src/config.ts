// Reads the global configuration (flags and environment) in one place. Everything else
// receives plain values through system.ts.
import path from 'node:path';

export interface GlobalOptions {
  /** Project directory: where pipelines/ and the sources they name live. */
  cwd: string;
  /** State directory given with --home, if any. */
  home?: string | undefined;
}

export interface Config {
  cwd: string;
  home: string;
  dbFile: string;
  cacheDir: string;
}

export function resolveConfig(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Config {
  const cwd = path.resolve(options.cwd);
  const home = path.resolve(cwd, options.home ?? env.ARKIVE_HOME ?? '.arkive');
  return {
    cwd,
    home,
    dbFile: path.join(home, 'arkive.db'),
    cacheDir: path.join(home, 'cache'),
  };
}
