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
  // An explicit --home or $ARKIVE_HOME is relative to where it was typed; the default
  // home lives in the project directory.
  const explicit = options.home || env.ARKIVE_HOME;
  const home = explicit ? path.resolve(explicit) : path.join(cwd, '.arkive');
  return {
    cwd,
    home,
    dbFile: path.join(home, 'arkive.db'),
    cacheDir: path.join(home, 'cache'),
  };
}
