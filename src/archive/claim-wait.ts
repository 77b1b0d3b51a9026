// Waiting for another run's claim (db/claims.ts): a run that finds a file or a release
// claimed by a live run polls, with backoff, until that run is done with it (posted,
// committed) or its claim lapses (its lease expired: it died or stalled), and then carries on
// from what the ledger holds. The wait is bounded by a deadline (the claimant may be alive but
// stuck) and by the caller's abort signal (SIGTERM stops a waiting run at once).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease } from '../db/leases.js';
import { LockHeldError, RuntimeFailure } from '../errors.js';

/** The run archiving: its claims last as long as its lease (pipeline/run-lease.ts). */
export interface RunClaim {
  runId: string;
  /** Gives up waiting for another run after this long (default DEFAULT_CLAIM_WAIT_MS). */
  waitMs?: number | undefined;
  /** Aborted by SIGTERM/SIGINT: a waiting run stops at once (RUN_INTERRUPTED). */
  signal?: AbortSignal | undefined;
}

/** A live run may upload a large checkpoint for a long time; past this a waiting run fails (exit 4) and is re-run later. */
export const DEFAULT_CLAIM_WAIT_MS = 60 * 60_000;
const FIRST_POLL_MS = 50;
/** Polls at least this often: a claimant's lease expiry or post is noticed within about this long. */
const MAX_POLL_MS = 2_000;

/** What a wait is for, for messages: `the upload of chunk <sha>`, `people v3`. */
export interface WaitSubject {
  what: string;
  /** The run claiming it when the wait gave up, and its lease if any. */
  holder(): Promise<{ runId: string | null; lease: Lease | undefined }>;
}

/**
 * Calls `attempt` until it answers (not undefined), sleeping with backoff in between; throws
 * LockHeldError (UPLOAD_CLAIMED/RELEASE_CLAIMED per `code`) past the deadline, RUN_INTERRUPTED on abort.
 */
export async function untilClaimed<T>(attempt: () => Promise<T | undefined>, claim: RunClaim, subject: WaitSubject, code: string): Promise<T> {
  const waitMs = claim.waitMs ?? DEFAULT_CLAIM_WAIT_MS;
  const deadline = Date.now() + waitMs;
  for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
    const answer = await attempt();
    if (answer !== undefined) return answer;
    const left = deadline - Date.now();
    if (left <= 0) throw waitedTooLong(code, subject, waitMs, claim.runId, await subject.holder());
    // Jitter: runners waiting for the same claim do not poll in step.
    await sleep(Math.min(left, delay * (0.5 + Math.random() / 2)), undefined, { signal: claim.signal })
      .catch(() => { throw interruptedWaiting(subject.what, claim); });
    if (claim.signal?.aborted) throw interruptedWaiting(subject.what, claim);
  }
}

function waitedTooLong(
  code: string, subject: WaitSubject, waitMs: number, runId: string, holder: { runId: string | null; lease: Lease | undefined },
): LockHeldError {
  const { lease } = holder;
  const who = lease
    ? `run ${holder.runId} (pipeline ${lease.pipeline}, pid ${lease.pid} on ${lease.host}, lease until ${new Date(lease.expiresAt).toISOString()})`
    : `run ${holder.runId ?? '(none)'}`;
  return new LockHeldError({
    code,
    message: `run ${runId} waited ${waitMs} ms for ${subject.what}, which ${who} is working on`,
    hint: 'That run is alive (it renews its lease) and will finish it: re-run after it ends (arkive runs). '
      + 'If its host is dead, its lease expires after the TTL and the next run takes the work over.',
  });
}

function interruptedWaiting(what: string, claim: RunClaim): RuntimeFailure {
  return new RuntimeFailure({
    code: 'RUN_INTERRUPTED',
    message: `run ${claim.runId} stopped by ${String(claim.signal?.reason ?? 'a signal')} while waiting for ${what}`,
    hint: 'Run it again to resume (archived files are not uploaded twice).',
  });
}

/**
 * This run's claim was taken over while it worked (it stalled past its lease TTL, and another
 * run took the work): what it signed is dropped unposted, and it starts over from the ledger.
 */
export class ClaimLost extends RuntimeFailure {
  constructor(what: string, runId: string) {
    super({
      code: 'CLAIM_LOST',
      message: `run ${runId} lost its claim on ${what} to another run before posting it`,
      hint: 'This run stalled past its lease TTL (ARKIVE_LEASE_TTL_MS) and another run took the work over; re-run if that run did not finish it.',
    });
  }
}
