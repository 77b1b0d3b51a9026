// Ambient types for wao 0.35.7, which ships none (its package.json "types" points to a missing file).
// Only the surface arkive uses: the in-memory AO on the real aos WASM and the embedded HTTP units.
declare module 'wao/test' {
  /** A fixed test wallet: JWK, its address, and a data-item signer. */
  export interface Account {
    jwk: any;
    addr: string;
    signer: any;
  }
  /** acc[0..9]: distinct deterministic wallets, so tests can act as different users. */
  export const acc: Account[];
  export const mu: Account;
  export const su: Account;
  export const cu: Account;
  /** wao's scheduler id, for spawning over HTTP. */
  export const scheduler: string;
  export function blueprint(name: string): Promise<string>;

  export interface ResultMessage {
    Target?: string;
    Anchor?: string;
    Tags: { name: string; value: string }[];
    Data: string;
  }
  export interface Result {
    Messages: ResultMessage[];
    Spawns: unknown[];
    Output: any;
    /** Set when a handler throws; `MsgResult.err` stays null in that case. */
    Error?: unknown;
  }
  export interface MsgOpts {
    jwk?: any;
    data?: string;
    /** true: JSON-parse the reply Data; a string: that tag's value; {data: true}: raw Data. */
    get?: unknown;
    check?: unknown;
    timeout?: number;
  }
  export interface MsgResult {
    mid?: string;
    res: Result;
    out: any;
    err: any;
  }
  export class Process {
    pid: string;
    msg(action: string, tags?: Record<string, string>, opts?: MsgOpts): Promise<MsgResult>;
    dry(action: string, tags?: Record<string, string>, opts?: MsgOpts): Promise<MsgResult>;
    /** Evaluates a Lua expression in a dry run and returns it JSON-decoded. */
    v(lua: string): Promise<any>;
  }
  export interface DeployOpts {
    src_data?: string;
    loads?: (string | { data: string })[];
    boot?: string | true;
    tags?: Record<string, string>;
    module?: string;
    jwk?: any;
    data?: string;
  }
  export class AO {
    constructor(opts?: { module?: string; cache?: string; log?: boolean; variant?: string; extensions?: Record<string, any> });
    init(acc?: Account | any): Promise<AO>;
    deploy(opts: DeployOpts): Promise<{ pid: string; p: Process; err: any }>;
    p(pid: string): Process;
    spawn(opts: any): Promise<string>;
    message(opts: { process: string; signer: any; tags?: { name: string; value: string }[]; data?: string }): Promise<string>;
    result(opts: { process: string; message: string }): Promise<Result>;
    dryrun(opts: any): Promise<Result>;
    toSigner(jwk: any): any;
    attest(opts: { id: string; jwk?: any; tags?: Record<string, string> }): Promise<{ id: string; err: any }>;
    avail(opts: { ids: string[]; jwk?: any; tags?: Record<string, string> }): Promise<{ id: string; err: any }>;
    ar: {
      post(o: { data?: any; tags?: Record<string, string>; jwk?: any }): Promise<{ id: string; err: any }>;
      data(id: string, str?: boolean): Promise<any>;
    };
    mem: any;
  }
  export class Server {
    constructor(opts?: {
      port?: number;
      ar?: number;
      bd?: number;
      mu?: number;
      su?: number;
      cu?: number;
      db?: string;
      log?: boolean;
      hb_url?: string;
      aoconnect?: any;
      adaptor?: any;
    });
    ports: { ar: number; bd: number; mu: number; su: number; cu: number };
    servers: import('node:http').Server[];
    adaptor: { mem: any; [k: string]: any };
    end(): Promise<void>;
  }
}
