// run-rss: peak resident memory of the CLI running the demo pipeline on a fresh local home,
// loading only (`run reviews --no-publish`) and publishing through each bundler protocol
// (`--bundler-kind irys|turbo`), with only the client in use imported. The home's devnet is
// a process of its own (as a bundler and gateway are remote services in production), so the
// figure is arkive's own. Ceiling: the peak of `arkive --help` in the same run, the floor
// any command pays (Node, tsx, the CLI's own modules).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { figure, type Figure } from './figure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MB = 2 ** 20;

async function peakRss(args: string[], dir: string): Promise<number> {
  const file = path.join(dir, `rss-${process.hrtime.bigint()}.txt`);
  await promisify(execFile)(process.execPath, ['--import', './test/bench/report-rss.mjs', 'bin/arkive.js', ...args], {
    cwd: root, env: { ...process.env, ARKIVE_BENCH_RSS_FILE: file, ARKIVE_DEVNET_IDLE_MS: '1000' }, maxBuffer: 64 * MB,
  });
  return Number(fs.readFileSync(file, 'utf8').trim().split('\n').pop()) / MB;
}

export async function benchRss(): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-rss-'));
  try {
    const floor = await peakRss(['--help'], dir);
    const loadOnly = await peakRss(['--home', path.join(dir, 'load'), 'run', 'reviews', '--no-publish'], dir);
    const figures = [figure('run-no-publish-peak-rss', loadOnly, 'MB', floor)];
    for (const kind of ['irys', 'turbo']) {
      const rss = await peakRss(['--home', path.join(dir, kind), '--bundler-kind', kind, 'run', 'reviews'], dir);
      figures.push(figure(`run-publish-${kind}-peak-rss`, rss, 'MB', floor));
    }
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
