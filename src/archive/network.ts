// A session with one network (local devnet, custom endpoints, or production Arweave): what a
// command needs to publish and read, opened by system.ts and closed when the command ends.
import type { AoIndex } from '../ao/ao-index.js';
import type { NetworkConfig } from '../config.js';
import type { Gateway } from './gateway.js';
import type { Uploader } from './uploader.js';

export interface NetworkSession {
  config: NetworkConfig;
  uploader: Uploader;
  gateway: Gateway;
  /** Makes everything the bundler accepted readable on the gateway (local devnet: bundle and mine). */
  settle(): Promise<void>;
  /** The AO registry releases are indexed in, connected on first use; null when none is configured. */
  index?(): Promise<AoIndex | null>;
  close(): Promise<void>;
}
