// The process behind bin/arkive-devnet.js: serves one home's local permaweb until it has had
// no client for its idle time (devnet-server.ts), then exits. Exits 0 at once when another
// process already serves the home (two clients started a server at the same moment).
import fs from 'node:fs';
import path from 'node:path';
import { LockHeldError } from '../errors.js';
import { parsePricingArgs, type DevPricing } from './dev-pricing.js';
import { serveDevnet } from './devnet-server.js';

// While serving, the lock file must stay ours: gone (the home was deleted) means stop.
const WATCH_MS = 2000;

const USAGE = 'usage: arkive-devnet.js <home>/devnet <idleMs> [--price-per-byte WINSTON] [--fund ADDRESS=WINSTON]...';

export async function serverMain(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`arkive-devnet.js: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  const { dir, idleMs, pricing } = parsed;
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let served;
  try {
    served = await serveDevnet({ dir: path.resolve(dir), port: 0, idleMs, log, pricing });
  } catch (error) {
    if (error instanceof LockHeldError) return 0;
    log(`devnet server ${process.pid}: cannot start: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
  const stop = () => void served.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const watch = setInterval(() => { if (!fs.existsSync(path.join(dir, 'devnet.lock'))) stop(); }, WATCH_MS);
  watch.unref();
  await served.stopped;
  clearInterval(watch);
  // ArLocal and wao leave timers and handles behind: the server's work is done, so exit.
  setTimeout(() => process.exit(0), 100).unref();
  return 0;
}

/** `<dir> <idleMs>` and the bundler's settings as devnet-client.ts passes them (pricingArgs). */
function parseArgs(args: string[]): { dir: string; idleMs: number; pricing: DevPricing } | string {
  const [dir, idle, ...rest] = args;
  const idleMs = Number(idle);
  if (!dir || !Number.isFinite(idleMs) || idleMs < 0) return 'a devnet directory and an idle time in ms are required';
  try {
    return { dir, idleMs, pricing: parsePricingArgs(rest) };
  } catch (error) {
    return (error as Error).message;
  }
}
