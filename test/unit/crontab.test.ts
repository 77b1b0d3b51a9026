// The network flags of a crontab line come from the resolved configuration: whatever set an
// option (flag or environment), the line spells it out, and resolving the line's flags alone
// (cron's bare environment) gives the same network.
import { describe, expect, it } from 'vitest';
import { resolveConfig, resolveNetwork, type GlobalOptions } from '../../src/config.js';
import { crontabLines, databaseFlags, networkFlags } from '../../src/pipeline/crontab.js';
import { definePipeline, jsonl, z } from '../../src/index.js';

type NetworkOptions = Required<Omit<GlobalOptions, 'cwd' | 'home' | 'database'>>;

// Every network option of GlobalOptions (the compiler insists when one is added) with its flag.
const FLAGS = {
  network: '--network', gateway: '--gateway', bundler: '--bundler', bundlerKind: '--bundler-kind', paymentUrl: '--payment-url',
  wallet: '--wallet', trust: '--trust',
  aoMu: '--ao-mu', aoCu: '--ao-cu', aoGateway: '--ao-gateway', registry: '--registry',
} as const satisfies Record<keyof NetworkOptions, string>;

const ALL: NetworkOptions = {
  network: 'custom', gateway: ['http://g1.test', 'http://g2.test'], bundler: 'http://b.test', bundlerKind: 'turbo',
  paymentUrl: 'http://pay.test', wallet: '/w/wallet.json',
  trust: ['a'.repeat(43), 'b'.repeat(43)], aoMu: 'http://mu.test', aoCu: 'http://cu.test', aoGateway: 'http://aog.test', registry: 'r'.repeat(43),
};

/** Parses flags back into options, as commander does for these (repeatable ones collect). */
function parse(words: string[]): GlobalOptions {
  const options: Record<string, unknown> = { cwd: '/' };
  for (let i = 0; i < words.length; i += 2) {
    const key = Object.entries(FLAGS).find(([, flag]) => flag === words[i])?.[0];
    if (!key) throw new Error(`unknown flag ${words[i]}`);
    const value = words[i + 1]!;
    options[key] = Array.isArray(ALL[key as keyof NetworkOptions]) ? [...(options[key] as string[] ?? []), value] : value;
  }
  return options as unknown as GlobalOptions;
}

describe('networkFlags', () => {
  it('spells out every network option given by flag, so the line resolves to the same network', () => {
    const net = resolveNetwork({ cwd: '/', ...ALL }, {});
    const words = networkFlags(net);
    for (const [key, flag] of Object.entries(FLAGS)) {
      for (const value of [ALL[key as keyof NetworkOptions]].flat()) expect(words.join(' ')).toContain(`${flag} ${value}`);
    }
    expect(resolveNetwork(parse(words), {})).toEqual(net);
  });

  it('spells out options that came from the environment, since cron has none of it', () => {
    const env = {
      ARKIVE_GATEWAY: 'http://g1.test,http://g2.test', ARKIVE_BUNDLER: 'http://b.test', ARKIVE_WALLET: '/w/wallet.json',
      ARKIVE_TRUST: `${'a'.repeat(43)},${'b'.repeat(43)}`, ARKIVE_AO_MU: 'http://mu.test', ARKIVE_AO_CU: 'http://cu.test',
      ARKIVE_REGISTRY: 'r'.repeat(43), ARKIVE_BUNDLER_KIND: 'irys', ARKIVE_PAYMENT_URL: 'http://pay.test',
    };
    const net = resolveNetwork({ cwd: '/' }, env);
    expect(net.ao).toBeDefined();
    expect(net).toMatchObject({ bundlerKind: 'irys', paymentUrl: 'http://pay.test' });
    expect(resolveNetwork(parse(networkFlags(net)), {})).toEqual(net);
  });

  it('spells out the arweave network\'s default bundler (Turbo), so cron uploads through the same one', () => {
    const net = resolveNetwork({ cwd: '/', network: 'arweave', wallet: '/w/wallet.json' }, {});
    expect(net).toMatchObject({ bundler: 'https://upload.ardrive.io', bundlerKind: 'turbo', paymentUrl: 'https://payment.ardrive.io' });
    expect(resolveNetwork(parse(networkFlags(net)), {})).toEqual(net);
  });

  it('keeps --trust on the local network, and names the network so an environment cannot change it', () => {
    const net = resolveNetwork({ cwd: '/', trust: ['a'.repeat(43)] }, {});
    expect(networkFlags(net)).toEqual(['--network', 'local', '--trust', 'a'.repeat(43)]);
    expect(resolveNetwork(parse(networkFlags(net)), { ARKIVE_NETWORK: 'arweave' })).toEqual(net);
  });

  it('puts the flags into every installable line, before the command', () => {
    const pipeline = (name: string, schedule: string) => definePipeline({
      name, description: 'd', sources: [jsonl('rows.jsonl')], schema: z.object({ id: z.string() }), key: (r) => r.id, schedule,
    });
    const options = networkFlags(resolveNetwork({ cwd: '/', ...ALL }, {}));
    const lines = crontabLines({
      pipelines: [pipeline('a', '0 3 * * *'), pipeline('b', '15 * * * *')], cwd: '/p', home: '/h', node: '/node', bin: '/bin/arkive.js', options,
    }).filter((l) => !l.startsWith('#'));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toContain(`/node /bin/arkive.js --home /h ${options.join(' ')} run `);
  });

  it('notes the exit codes cron mails, 5 (refused by budget or balance) among them', () => {
    const pipeline = definePipeline({
      name: 'a', description: 'd', sources: [jsonl('rows.jsonl')], schema: z.object({ id: z.string() }), key: (r) => r.id, schedule: '0 3 * * *',
    });
    const notes = crontabLines({ pipelines: [pipeline], cwd: '/p', home: '/h', node: '/node', bin: '/b', options: [] })
      .filter((l) => l.startsWith('#')).join('\n');
    expect(notes).toMatch(/Exit codes cron mails: 1 failure, 2 bad input, 3 verification, 4 locked by another run, 5 refused by\n# budget or balance before paying/);
  });
});

describe('databaseFlags', () => {
  it('names a shared Postgres from flag or environment, so a cron-started run uses the same database', () => {
    const url = 'postgres://arkive:pw@db.test:5432/arkive';
    const config = resolveConfig({ cwd: '/tmp', home: '/tmp/h' }, { ARKIVE_DATABASE: url });
    expect(databaseFlags(config.database)).toEqual(['--database', url]);
    expect(resolveConfig({ cwd: '/tmp', home: '/tmp/h', database: url }, {}).database).toEqual(config.database);
  });

  it('adds nothing for the home\'s own SQLite file', () => {
    expect(databaseFlags(resolveConfig({ cwd: '/tmp', home: '/tmp/h' }, {}).database)).toEqual([]);
  });
});
