// What the dev bundler charges, and who can pay: a price per byte of the whole signed item,
// and a balance per owner address, kept in <bundler dir>/accounts.json so that balances
// survive the devnet server restarting.
//
// Unlimited until funded. While no address has ever been funded, every address has an
// unlimited balance (reported as UNLIMITED_WINSTON) and nothing is charged: the local
// network works with any wallet, as it did before prices existed. Once any address is
// funded (`--fund`, POST /dev/fund) the bundler is metered, for good (delete accounts.json
// to go back): every owner pays each new item's price from its balance, an unfunded address
// has 0, and an item beyond its owner's balance is refused with 402 and not stored.
//
// balance = granted + deposited − spent, where `granted` is what `--fund ADDRESS=WINSTON`
// last said (setting it again at the next start changes nothing: what was spent stays
// spent), `deposited` what POST /dev/fund added, `spent` the sum of accepted items' prices.
import path from 'node:path';
import { RuntimeFailure } from '../errors.js';
import { readJson, writeJsonAtomic } from './json-file.js';
import { DEFAULT_PRICE, priceOf, UNLIMITED_WINSTON, type Funding, type PricePerByte } from './dev-pricing.js';

export const ACCOUNTS_FILE = 'accounts.json';

/** The texts real bundlers answer with their 402 (the body, and Turbo's status message too). */
export const UNDERFUNDED_TEXT = {
  /** Irys nodes; @irys/sdk throws `402 error: <this>`. */
  irys: 'Not enough funds to send data',
  /** ardriveapp/turbo-upload-service (dataItemPost.ts, and a multipart upload marked UNDERFUNDED). */
  turbo: 'Insufficient balance',
} as const;

/** An item its owner cannot pay for. HTTP 402; the routes pick the protocol's text. */
export class InsufficientBalanceError extends Error {
  readonly status = 402;
  constructor(readonly detail: { address: string; price: bigint; balance: bigint } | null = null) {
    super(detail
      ? `${UNDERFUNDED_TEXT.irys}: ${detail.address} has ${detail.balance} winston, the item costs ${detail.price}`
      : UNDERFUNDED_TEXT.irys);
  }
}

interface Account {
  granted: bigint;
  deposited: bigint;
  spent: bigint;
}

interface AccountsFile {
  accounts: Record<string, { granted: string; deposited: string; spent: string }>;
}

export interface BalanceView {
  /** Unlimited: no address was ever funded. */
  unlimited: boolean;
  /** Metered: the address has an account (was funded, possibly with 0). */
  known: boolean;
  winston: bigint;
}

export interface AccountsOptions {
  dir: string;
  pricePerByte?: bigint | undefined;
  fund?: Funding[] | undefined;
  log?: (line: string) => void;
}

export class BundlerAccounts {
  readonly price: PricePerByte;
  private readonly file: string;
  private readonly accounts: Map<string, Account>;
  private readonly log: (line: string) => void;
  private readonly locks = new Map<string, Promise<unknown>>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(options: AccountsOptions, accounts: Map<string, Account>) {
    this.price = options.pricePerByte === undefined ? DEFAULT_PRICE : { winston: options.pricePerByte, perBytes: 1n };
    this.file = path.join(options.dir, ACCOUNTS_FILE);
    this.accounts = accounts;
    this.log = options.log ?? (() => {});
  }

  /** Loads the balances and applies `fund` (each address's grant is set to the figure given). */
  static async open(options: AccountsOptions): Promise<BundlerAccounts> {
    const opened = new BundlerAccounts(options, await load(path.join(options.dir, ACCOUNTS_FILE)));
    for (const { address, winston } of options.fund ?? []) opened.account(address).granted = winston;
    if (options.fund?.length) await opened.persist();
    return opened;
  }

  get metered(): boolean {
    return this.accounts.size > 0;
  }

  /** The price of one item of this many bytes (header included). */
  priceOf(bytes: number | bigint): bigint {
    return priceOf(this.price, bytes);
  }

  balance(address: string): BalanceView {
    if (!this.metered) return { unlimited: true, known: true, winston: UNLIMITED_WINSTON };
    const account = this.accounts.get(address);
    return { unlimited: false, known: account !== undefined, winston: account ? available(account) : 0n };
  }

  /** Adds to an address's balance (and meters the bundler from now on); returns the new balance. */
  async deposit(address: string, winston: bigint): Promise<bigint> {
    const account = this.account(address);
    account.deposited += winston;
    await this.persist();
    this.log(`bundler: ${address} funded with ${winston} winston (balance ${available(account)})`);
    return available(account);
  }

  /**
   * Runs `accept` (which stores the item) if the owner can pay for `bytes`, then debits the
   * price. One charge at a time per owner, so two uploads cannot both spend the same balance.
   * Throws InsufficientBalanceError, without calling `accept`, if the balance is short.
   * A kill between storing and debiting leaves the item stored and not charged: never twice.
   */
  charge<T>(address: string, bytes: number, accept: () => Promise<T>): Promise<T> {
    if (!this.metered) return accept();
    return this.serialize(address, async () => {
      const price = this.priceOf(bytes);
      const account = this.accounts.get(address);
      const balance = account ? available(account) : 0n;
      if (price > balance) {
        this.log(`bundler: refused an item of ${bytes} bytes from ${address}: it costs ${price} winston, the balance is ${balance}`);
        throw new InsufficientBalanceError({ address, price, balance });
      }
      const result = await accept();
      if (price > 0n) {
        this.account(address).spent += price;
        await this.persist();
      }
      return result;
    });
  }

  /** Every account, for GET /dev/accounts. */
  snapshot(): Array<{ address: string; balance: string; spent: string }> {
    return [...this.accounts].map(([address, a]) => ({ address, balance: String(available(a)), spent: String(a.spent) }));
  }

  private account(address: string): Account {
    let account = this.accounts.get(address);
    if (!account) this.accounts.set(address, (account = { granted: 0n, deposited: 0n, spent: 0n }));
    return account;
  }

  /** Writes one after another, each the state at its turn: a slow early write never lands last. */
  private persist(): Promise<void> {
    const write = this.saving.then(() => writeJsonAtomic(this.file, this.serialized()));
    this.saving = write.catch(() => {});
    return write;
  }

  private serialized(): AccountsFile {
    const accounts: AccountsFile['accounts'] = {};
    for (const [address, a] of this.accounts) {
      accounts[address] = { granted: String(a.granted), deposited: String(a.deposited), spent: String(a.spent) };
    }
    return { accounts };
  }

  private serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (this.locks.get(key) ?? Promise.resolve()).then(task, task);
    const settled = next.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}

async function load(file: string): Promise<Map<string, Account>> {
  const accounts = new Map<string, Account>();
  try {
    const stored = await readJson<AccountsFile>(file);
    for (const [address, a] of Object.entries(stored?.accounts ?? {})) {
      accounts.set(address, { granted: BigInt(a.granted), deposited: BigInt(a.deposited), spent: BigInt(a.spent) });
    }
  } catch (error) {
    throw new RuntimeFailure({
      code: 'DEVNET_ACCOUNTS_INVALID',
      message: `the dev bundler's balances in ${file} cannot be read: ${(error as Error).message}`,
      hint: 'Fix the file, or delete it: balances are then unlimited again until an address is funded.',
      cause: error,
    });
  }
  return accounts;
}

function available(account: Account): bigint {
  const left = account.granted + account.deposited - account.spent;
  return left > 0n ? left : 0n;
}
