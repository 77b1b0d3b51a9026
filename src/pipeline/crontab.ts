// Crontab lines that run scheduled pipelines from system cron: absolute paths (cron's PATH
// and working directory are minimal), the home and network settings spelled out, `%`
// escaped (cron turns it into a newline), and --quiet so cron mails only failures. What
// system cron cannot express (seconds, croner's L/W/# extensions) becomes a comment.
import type { NetworkConfig } from '../config.js';
import type { DatabaseLocation } from '../db/dialect.js';
import type { Pipeline } from './define.js';

export interface CrontabInput {
  pipelines: Pipeline[];
  /** Absolute project directory (holds pipelines/). */
  cwd: string;
  /** Absolute home. */
  home: string;
  /** Absolute node binary and arkive's bin/arkive.js. */
  node: string;
  bin: string;
  /** Global options every run needs: networkFlags() of the resolved network. */
  options: string[];
}

/**
 * The flags that resolve to this network again (resolveNetwork(flags) = net), with nothing
 * from the environment: cron's environment is bare. Spelled from the resolved configuration,
 * so an option given by flag or environment (--trust, --ao-mu, --ao-cu, --registry, …) can
 * never be dropped from the line; test/unit/crontab.test.ts checks the round trip for every
 * network option of GlobalOptions.
 */
export function networkFlags(net: NetworkConfig): string[] {
  const words = ['--network', net.name];
  for (const gateway of net.gateways) words.push('--gateway', gateway);
  if (net.bundler) words.push('--bundler', net.bundler);
  if (net.bundlerKind) words.push('--bundler-kind', net.bundlerKind);
  if (net.paymentUrl) words.push('--payment-url', net.paymentUrl);
  if (net.walletFile) words.push('--wallet', net.walletFile);
  for (const address of net.trust) words.push('--trust', address);
  if (net.ao) {
    words.push('--ao-mu', net.ao.mu, '--ao-cu', net.ao.cu, '--ao-gateway', net.ao.gateway, '--registry', net.ao.registry);
  }
  return words;
}

/**
 * The flag that puts a cron-started run on the same database: a shared Postgres must be named
 * (cron's environment has no $ARKIVE_DATABASE); the home's own file needs nothing. Better keep
 * the password out of the URL (in ~/.pgpass or $PGPASSWORD of the crontab), since the line
 * is in the crontab and in `ps`.
 */
export function databaseFlags(database: DatabaseLocation): string[] {
  return database.dialect === 'postgres' ? ['--database', database.url] : [];
}

/** A POSIX shell word: single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The five fields system cron understands, or why the schedule cannot be one. */
export function cronFields(cron: string): { fields: string } | { problem: string } {
  const parts = cron.trim().split(/\s+/);
  if (parts.length === 1 && /^@(yearly|annually|monthly|weekly|daily|hourly)$/.test(parts[0]!)) return { fields: parts[0]! };
  let five = parts;
  if (parts.length === 7) {
    if (parts[6] !== '*') return { problem: 'it names years, which system cron cannot' };
    five = parts.slice(0, 6);
  }
  if (five.length === 6) {
    if (five[0] !== '0') return { problem: 'it fires on seconds, which system cron cannot' };
    five = five.slice(1);
  }
  if (five.length !== 5) return { problem: 'it is not a five-field expression' };
  if (five.some((f) => /[LW#?]/i.test(f) && !/^[a-z]{3}(-[a-z]{3})?$/i.test(f))) {
    return { problem: "it uses croner's L, W, # or ? extensions, which system cron lacks" };
  }
  return { fields: five.join(' ') };
}

export function crontabLines(input: CrontabInput): string[] {
  const lines = [
    `# arkive: scheduled pipelines of ${input.cwd} (home ${input.home})`,
    '# Install next to your other entries: (crontab -l 2>/dev/null; arkive cron) | crontab -',
    '# System cron never catches up missed ticks; `arkive schedule` does (catchUp: once).',
    '# Exit codes cron mails: 1 failure, 2 bad input, 3 verification, 4 locked by another run, 5 refused by',
    '# budget or balance before paying (raise budget in the pipeline, or fund the wallet: see the message).',
  ];
  const byZone = new Map<string, Pipeline[]>();
  for (const p of input.pipelines) {
    if (!p.schedule) continue;
    const zone = p.schedule.timezone ?? '';
    byZone.set(zone, [...(byZone.get(zone) ?? []), p]);
  }
  // Entries in the system timezone first: CRON_TZ applies to every line after it.
  for (const zone of [...byZone.keys()].sort()) {
    if (zone) lines.push('# CRON_TZ is honoured by cronie; a cron without it uses the system timezone.', `CRON_TZ=${zone}`);
    for (const p of byZone.get(zone)!) lines.push(...entry(p, input));
  }
  return lines;
}

function entry(p: Pipeline, input: CrontabInput): string[] {
  const schedule = p.schedule!;
  const fields = cronFields(schedule.cron);
  const about = `# ${p.name}: "${schedule.cron}"${schedule.timezone ? ` (${schedule.timezone})` : ''}`;
  if ('problem' in fields) return [`${about} not installable: ${fields.problem}; run it with arkive schedule`];
  const words = [input.node, input.bin, '--home', input.home, ...input.options, 'run', p.name, '--quiet'];
  const command = `cd ${shellQuote(input.cwd)} && ${words.map(shellQuote).join(' ')}`;
  return [about, `${fields.fields} ${command.replace(/%/g, '\\%')}`];
}
