// The dev bundler's durable state for accepted items and the bundles made of them, as plain
// files under its directory:
//   items/<id>.item    the data item's bytes, exactly as signed
//   items/<id>.json    its record: header, receipt, and the bundle it went into (the commit point)
//   pending/<id>       marker: accepted, not yet in a bundle the gateway has unbundled
//                      (held items, too large for ArLocal, never get one: they are served
//                      from items/<id>.item by the gateway's fallback, see DevBundler)
//   bundles/<tx>.json  write-ahead record of a bundle being posted
//   tmp/               request bodies being received
// An item is acknowledged only after its record is written, so a killed bundler loses
// nothing it acknowledged; whatever is still marked pending is bundled after a restart.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Receipt } from './bundler-receipts.js';
import type { DataItemHeader } from './data-item-file.js';
import { exists, readJson, writeJsonAtomic } from './json-file.js';

export interface ItemRecord {
  header: DataItemHeader;
  receipt: Receipt;
  /** The chunked upload that delivered the item, if it came that way. */
  uploadId: string | null;
  acceptedAt: string;
  /** Set once the gateway has unbundled and mined the bundle holding the item. */
  bundle: { txId: string; confirmedAt: string } | null;
  /** Too large to bundle into ArLocal: kept here and served from this store (absent: false). */
  held?: boolean;
}

export interface BundleIntent {
  txId: string;
  dataRoot: string;
  itemIds: string[];
  createdAt: string;
}

const ITEM_ID = /^[A-Za-z0-9_-]{43}$/;

export class BundlerStore {
  private readonly dir: string;
  private readonly pending = new Set<string>();

  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  /** Creates the directories, drops half-accepted items, and loads the pending list. */
  async open(): Promise<void> {
    for (const sub of ['items', 'pending', 'bundles', 'tmp']) await fs.mkdir(path.join(this.dir, sub), { recursive: true });
    await fs.rm(path.join(this.dir, 'tmp'), { recursive: true, force: true });
    await fs.mkdir(path.join(this.dir, 'tmp'));
    for (const id of await fs.readdir(path.join(this.dir, 'pending'))) {
      if (await exists(this.recordFile(id))) this.pending.add(id);
      else await fs.rm(path.join(this.dir, 'pending', id), { force: true });
    }
    await this.dropOrphanItems();
  }

  /** A fresh path in tmp/ for a request body; rename it into place with accept(). */
  tmpFile(): string {
    return path.join(this.dir, 'tmp', crypto.randomUUID());
  }

  isItemId(id: string): boolean {
    return ITEM_ID.test(id);
  }

  async get(id: string): Promise<ItemRecord | null> {
    return this.isItemId(id) ? readJson<ItemRecord>(this.recordFile(id)) : null;
  }

  itemFile(id: string): string {
    return path.join(this.dir, 'items', `${id}.item`);
  }

  /**
   * Moves a verified item file into the store and records it. Order matters for a kill in
   * between: bytes, then the pending marker, then the record that makes it acknowledged.
   */
  async accept(file: string, record: Omit<ItemRecord, 'bundle' | 'acceptedAt'>): Promise<ItemRecord> {
    const { id } = record.header;
    await fs.rename(file, this.itemFile(id));
    if (!record.held) await fs.writeFile(path.join(this.dir, 'pending', id), '');
    const full: ItemRecord = { ...record, acceptedAt: new Date().toISOString(), bundle: null };
    await writeJsonAtomic(this.recordFile(id), full);
    if (!record.held) this.pending.add(id);
    return full;
  }

  /** Accepted items not yet confirmed in a bundle, in acceptance order. */
  pendingIds(): string[] {
    return [...this.pending];
  }

  async markBundled(ids: string[], txId: string): Promise<void> {
    const confirmedAt = new Date().toISOString();
    for (const id of ids) {
      const record = await this.get(id);
      if (!record) continue;
      await writeJsonAtomic(this.recordFile(id), { ...record, bundle: { txId, confirmedAt } });
      await fs.rm(path.join(this.dir, 'pending', id), { force: true });
      this.pending.delete(id);
    }
  }

  async writeIntent(intent: BundleIntent): Promise<void> {
    await writeJsonAtomic(this.intentFile(intent.txId), intent);
  }

  async intents(): Promise<BundleIntent[]> {
    const names = (await fs.readdir(path.join(this.dir, 'bundles'))).filter((n) => n.endsWith('.json'));
    const intents = await Promise.all(names.map((n) => readJson<BundleIntent>(path.join(this.dir, 'bundles', n))));
    return intents.filter((i): i is BundleIntent => i !== null);
  }

  async clearIntent(txId: string): Promise<void> {
    await fs.rm(this.intentFile(txId), { force: true });
  }

  private recordFile(id: string): string {
    return path.join(this.dir, 'items', `${id}.json`);
  }

  private intentFile(txId: string): string {
    return path.join(this.dir, 'bundles', `${txId}.json`);
  }

  /** Bytes whose record was never written belong to no acknowledged item. */
  private async dropOrphanItems(): Promise<void> {
    const names = new Set(await fs.readdir(path.join(this.dir, 'items')));
    for (const name of names) {
      if (name.endsWith('.tmp')) await fs.rm(path.join(this.dir, 'items', name), { force: true });
      else if (name.endsWith('.item') && !names.has(name.replace(/\.item$/, '.json'))) {
        await fs.rm(path.join(this.dir, 'items', name), { force: true });
      }
    }
  }
}
