// The budget of a run: a release is checked before its first upload against what is left of
// each cap (per run: the pipeline's budget.perRun and --max-cost, minus what this run already
// paid; per month: budget.perMonth minus what the pipeline paid this calendar month, UTC,
// from the spend table) and against the wallet's balance at the bundler. A release over any
// of them is refused (BudgetError, exit 5) with the amounts and how to raise the cap or fund
// the wallet; nothing of it has been uploaded then.
import { monthOf, type SpendRepo } from '../db/spend-repo.js';
import { BudgetError } from '../errors.js';
import { describeAmount } from './amount.js';
import type { ReleaseQuote } from './release-plan.js';
import type { Uploader } from './uploader.js';

/** What the run may spend (bigint winston); each is optional. */
export interface BudgetLimits {
  /** definePipeline budget.perRun. */
  perRun?: bigint | undefined;
  /** definePipeline budget.perMonth (calendar month, UTC). */
  perMonth?: bigint | undefined;
  /** `--max-cost` on the command line: caps the run like perRun (the lower wins). */
  maxCost?: bigint | undefined;
}

export type CapName = keyof BudgetLimits;

export interface CapState {
  name: CapName;
  cap: bigint;
  /** Paid already in the cap's period (this run, or this month). */
  spent: bigint;
  /** cap − spent, never below 0. */
  left: bigint;
}

export interface Assessment {
  price: bigint;
  caps: CapState[];
  /** The wallet's balance at the bundler (null: not asked, nothing to pay). */
  balance: bigint | null;
  refusal?: BudgetError;
}

/** What publishRelease asks before paying: throws BudgetError when the release may not be paid for. */
export interface BudgetCheck {
  approve(quote: ReleaseQuote): Promise<void>;
}

export interface BudgetDeps {
  spend: SpendRepo;
  uploader: Uploader;
  pipeline: string;
  runId: string;
  limits: BudgetLimits;
  now?: () => Date;
}

export class Budget implements BudgetCheck {
  constructor(private readonly deps: BudgetDeps) {}

  async approve(quote: ReleaseQuote): Promise<void> {
    const { refusal } = await this.assess(quote);
    if (refusal) throw refusal;
  }

  /** The caps, the balance (asked when there is something to pay, or always) and the verdict for this quote. */
  async assess(quote: ReleaseQuote, askBalance: 'when-paying' | 'always' = 'when-paying'): Promise<Assessment> {
    const { spend, uploader, limits, runId, pipeline } = this.deps;
    const month = monthOf((this.deps.now ?? (() => new Date()))());
    const [ranFor, monthFor] = await Promise.all([spend.ofRun(runId), limits.perMonth === undefined ? 0n : spend.ofPipeline(pipeline, month.from, month.to)]);
    const caps = capStates(limits, ranFor, monthFor);
    const balance = quote.winston > 0n || askBalance === 'always' ? await uploader.balance() : null;
    const refusal = judge({ quote, caps, balance, address: uploader.address, bundlerUrl: uploader.bundlerUrl, pipeline });
    return { price: quote.winston, caps, balance, ...(refusal && { refusal }) };
  }
}

export function capStates(limits: BudgetLimits, spentThisRun: bigint, spentThisMonth: bigint): CapState[] {
  const state = (name: CapName, cap: bigint, spent: bigint): CapState => ({ name, cap, spent, left: cap > spent ? cap - spent : 0n });
  const caps: CapState[] = [];
  if (limits.maxCost !== undefined) caps.push(state('maxCost', limits.maxCost, spentThisRun));
  if (limits.perRun !== undefined) caps.push(state('perRun', limits.perRun, spentThisRun));
  if (limits.perMonth !== undefined) caps.push(state('perMonth', limits.perMonth, spentThisMonth));
  return caps;
}

export interface Verdict {
  quote: ReleaseQuote;
  caps: CapState[];
  balance: bigint | null;
  address: string;
  bundlerUrl: string;
  pipeline: string;
}

/** Pure: the refusal of paying for this quote, if any. Nothing to pay is never refused. */
export function judge(v: Verdict): BudgetError | undefined {
  const price = v.quote.winston;
  if (price === 0n) return undefined;
  const what = `publishing ${v.quote.kind} ${v.quote.name} v${v.quote.version} would cost ${describeAmount(price)} for ${v.quote.items.length} item(s) of ${v.quote.itemBytes} bytes`;
  // The cap with the least left decides (the lowest cap wins).
  const binding = [...v.caps].sort((a, b) => (a.left < b.left ? -1 : a.left > b.left ? 1 : 0))[0];
  if (binding && price > binding.left) {
    return new BudgetError({
      code: 'BUDGET_EXCEEDED',
      message: `${what}, over ${capText(binding)}; nothing of this release was uploaded`,
      hint: raiseHint(binding, price, v.pipeline),
    });
  }
  if (v.balance !== null && v.balance < price) {
    const missing = price - v.balance;
    return new BudgetError({
      code: 'INSUFFICIENT_BALANCE',
      message: `${what}, but the wallet ${v.address} holds ${describeAmount(v.balance)} at the bundler ${v.bundlerUrl}: ${describeAmount(missing)} missing; nothing of this release was uploaded`,
      hint: `Fund the wallet ${v.address} at the bundler ${v.bundlerUrl} with at least ${describeAmount(missing)} (Turbo: top up its credits; an Irys node: irys fund), then re-run: arkive run ${v.pipeline}.`,
    });
  }
  return undefined;
}

const CAP_LABEL: Record<CapName, string> = {
  maxCost: '--max-cost', perRun: 'budget.perRun (per run)', perMonth: 'budget.perMonth (this calendar month, UTC)',
};

function capText(c: CapState): string {
  return `${CAP_LABEL[c.name]} ${describeAmount(c.cap)}, of which ${describeAmount(c.spent)} is spent, leaving ${describeAmount(c.left)}`;
}

function raiseHint(c: CapState, price: bigint, pipeline: string): string {
  const needed = describeAmount(c.spent + price);
  if (c.name === 'maxCost') return `Raise the cap to at least ${needed}: arkive run ${pipeline} --max-cost <amount> (winston, or e.g. '0.05 AR').`;
  const key = c.name === 'perRun' ? 'perRun' : 'perMonth';
  const wait = c.name === 'perMonth' ? ', or wait for next month' : '';
  return `Raise budget.${key} in definePipeline({...}) of pipelines/${pipeline}.ts to at least ${needed} (winston, or e.g. '0.05 AR')${wait}; then re-run: arkive run ${pipeline}.`;
}
