// Drives an Extractor the way the load stage does (check, then open with a context that
// records reports), collecting what it gives, for tests of the sql source.
import type { ExtractContext, Extractor, RawItem, SourceReport, SourceState } from '../../src/pipeline/source.js';

export interface Drained {
  items: RawItem[];
  batches: number;
  reports: SourceReport[];
  /** The last report (what the run would keep). */
  last: SourceReport | undefined;
}

export async function drain(source: Extractor, opts: { cwd?: string; env?: Record<string, string>; previous?: SourceState } = {}): Promise<Drained> {
  const reports: SourceReport[] = [];
  const ctx: ExtractContext = { cwd: opts.cwd ?? process.cwd(), env: opts.env ?? {}, previous: opts.previous, report: (r) => reports.push(r) };
  await source.check(ctx);
  const items: RawItem[] = [];
  let batches = 0;
  for await (const batch of source.open(ctx)) {
    batches++;
    items.push(...batch);
  }
  return { items, batches, reports, last: reports.at(-1) };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string; exitCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; hint?: string; exitCode?: number };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
