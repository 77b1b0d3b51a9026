// Options every command accepts, as one object (changesets style: commands take options
// with `cwd` and are callable from tests without a process).
import type { Io } from './io.js';

import type { GlobalOptions } from '../config.js';

export interface CommandOptions extends GlobalOptions {
  cwd: string;
  home?: string | undefined;
  json?: boolean | undefined;
  /** Only errors are printed. */
  quiet?: boolean | undefined;
  env?: NodeJS.ProcessEnv;
  io: Io;
}
