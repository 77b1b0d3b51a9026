// The AoIndex capability: the AO registry process as the rest of arkive sees it. Releases are
// registered after they are committed; anyone (any AO process, any arkive) looks them up by
// name and version. The registry's Lua source (registry.lua) defines the message protocol.
import { RuntimeFailure, UsageError } from '../errors.js';

export interface RegistryEntry {
  name: string;
  kind: 'dataset' | 'model';
  version: number;
  contentId: string;
  digest: string;
  trainedOn?: string | undefined;
  parent?: string | null | undefined;
  /** The address that registered it (set by the registry). */
  publisher?: string;
  registeredAt?: number;
}

export type RegisterOutcome = { status: 'created' | 'exists'; entry: RegistryEntry };

export interface Lineage {
  model: RegistryEntry;
  dataset: RegistryEntry | null;
  parent: RegistryEntry | null;
}

export interface AoIndex {
  /** The registry's process ID. */
  readonly registry: string;
  /** Idempotent; throws RegistryRefusal (unauthorised, conflict, invalid) or AoUnreachable. */
  register(entry: RegistryEntry): Promise<RegisterOutcome>;
  /** A dry-run: null when the registry has no such name or version. */
  get(name: string, version?: number): Promise<RegistryEntry | null>;
  list(name?: string): Promise<RegistryEntry[]>;
  lineage(name: string, version?: number): Promise<Lineage | null>;
  /** Owner only: lets another wallet register releases. Returns the publishers after it. */
  addPublisher(address: string): Promise<string[]>;
}

/** The registry answered with an error reply (its code is the registry's `Error` tag). */
export class RegistryRefusal extends UsageError {}

export function registryRefusal(action: string, code: string, message: string, registry: string): RegistryRefusal {
  const hints: Record<string, string> = {
    unauthorised: 'Ask the registry owner to add your wallet: arkive ao add-publisher <address> (run by the owner).',
    conflict: 'That name and version is registered with other content; releases are immutable. Check your --registry and the release with arkive show.',
    invalid: 'This is a bug in what arkive sent; report it with the message above.',
  };
  return new RegistryRefusal({
    code: `REGISTRY_${code.toUpperCase().replace(/-/g, '_')}`,
    message: `the AO registry ${registry} refused ${action}: ${message}`,
    hint: hints[code] ?? 'See the registry message above.',
  });
}

/** AO could not be reached or did not answer: the release is safe, indexing can be retried. */
export function aoUnreachable(what: string, url: string, cause: unknown): RuntimeFailure {
  return new RuntimeFailure({
    code: 'AO_UNREACHABLE',
    message: `cannot reach AO (${url}) to ${what}: ${(cause as Error)?.message ?? String(cause)}`,
    hint: 'The release itself is archived. When AO is reachable again, run: arkive ao sync',
    cause,
  });
}
