// Child process for devnet-process.test.ts (not a test file itself):
//   dev <home>    runs `arkive dev --json --port 0` through devCommand, as the CLI will
//   crash <home>  uploads one item to a devnet that waits a minute before bundling, prints
//                 its ID, and dies by SIGKILL before the bundle is made
import fs from 'node:fs';
import Irys from '@irys/sdk';
import { devCommand } from '../../src/cli/dev.js';
import { processIo } from '../../src/cli/io.js';
import { startDevnet } from '../../src/devnet/devnet.js';

const [mode, home] = process.argv.slice(2);
if (!home) throw new Error('usage: devnet-child.ts dev|crash <home>');

if (mode === 'dev') {
  process.exitCode = await devCommand({ cwd: process.cwd(), home, json: true, port: 0, io: processIo, env: {} });
} else if (mode === 'crash') {
  const devnet = await startDevnet({ dir: `${home}/devnet`, port: 0, batchWindowMs: 60_000 });
  const key = JSON.parse(fs.readFileSync(devnet.walletFile, 'utf8'));
  const irys = new Irys({ url: devnet.bundlerUrl, token: 'arweave', key, config: { providerUrl: devnet.gatewayUrl } });
  const receipt = await irys.upload('acknowledged, then killed', { tags: [{ name: 'Content-Type', value: 'text/plain' }] });
  process.stdout.write(`${JSON.stringify({ id: receipt.id })}\n`, () => process.kill(process.pid, 'SIGKILL'));
} else {
  throw new Error(`unknown mode ${mode}`);
}
