// Spawning an arkive registry process and evaluating its Lua into it, through aoconnect, on
// any AO units: the devnet's (wao) or AO's own. Used by the local units on first start and by
// `arkive ao deploy` for other networks.
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import Arweave from 'arweave';

export const REGISTRY_NAME = 'arkive-registry';

export interface AoEndpoints {
  mu: string;
  cu: string;
  gateway: string;
}

export interface SpawnOptions extends AoEndpoints {
  module: string;
  scheduler: string;
  /** wao's MU address: its processes must name it (AO's own units do not need it). */
  authority?: string | undefined;
  wallet: JWKInterface;
}

type Tag = { name: string; value: string };
interface AoResult { Error?: unknown }

async function client(at: AoEndpoints, wallet: JWKInterface) {
  const { connect, createDataItemSigner } = await import('@permaweb/aoconnect');
  return { ao: connect({ MODE: 'legacy', MU_URL: at.mu, CU_URL: at.cu, GATEWAY_URL: at.gateway }), signer: createDataItemSigner(wallet) };
}

/** Spawns an empty registry process owned by the wallet (its Registry-Owner); returns its ID. */
export async function spawnRegistry(options: SpawnOptions): Promise<string> {
  const { ao, signer } = await client(options, options.wallet);
  const owner = await Arweave.init({}).wallets.jwkToAddress(options.wallet);
  const tags: Tag[] = [
    ...(options.authority ? [{ name: 'Authority', value: options.authority }] : []),
    { name: 'Name', value: REGISTRY_NAME },
    { name: 'Registry-Owner', value: owner },
  ];
  try {
    return await ao.spawn({ module: options.module, scheduler: options.scheduler, signer, tags });
  } catch (error) {
    throw new Error(`cannot spawn the registry on the AO units at ${options.mu}: ${message(error)}`);
  }
}

/** Evaluates the registry Lua into the process (only its owner may); throws the Lua error if any. */
export async function evalRegistry(at: AoEndpoints & { wallet: JWKInterface; process: string; source: string }): Promise<void> {
  const { ao, signer } = await client(at, at.wallet);
  let result: AoResult;
  try {
    const sent = await ao.message({ process: at.process, signer, tags: [{ name: 'Action', value: 'Eval' }], data: at.source });
    const id = typeof sent === 'string' ? sent : (sent as { id: string }).id;
    result = (await ao.result({ process: at.process, message: id })) as AoResult;
  } catch (error) {
    throw new Error(`cannot evaluate the registry source into ${at.process} on the AO units at ${at.mu}: ${message(error)}`);
  }
  const failure = evalFailure(result);
  if (failure) throw new Error(`the registry source failed to evaluate in ${at.process} on the AO units at ${at.mu}: ${failure}`);
}

/** The error of an Eval result, or null. aos reports Lua errors in Error (coloured for a terminal). */
function evalFailure(result: AoResult | null | undefined): string | null {
  if (!result || typeof result !== 'object') return 'no result';
  const error = result.Error;
  if (error === undefined || error === null || error === '') return null;
  return (typeof error === 'string' ? error : JSON.stringify(error)).replace(/\u001b\[[0-9;]*m/g, '').trim();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
