// A stall watchdog for long uploads: an upload that makes no progress for `stallMs` is
// abandoned, with an error withRetry treats as transient (its message says "timeout"), so a
// cron run never hangs on a bundler that stopped answering and the retry resumes the upload.
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private fail: (error: Error) => void = () => {};
  private readonly stalled: Promise<never>;
  fired = false;

  /** `onStall` runs when it fires, before the upload is abandoned (e.g. to stop a client's own loop). */
  constructor(private readonly stallMs: number, private readonly what: string, private readonly onStall: () => void = () => {}) {
    this.stalled = new Promise<never>((_, reject) => { this.fail = reject; });
    this.stalled.catch(() => {}); // raced, never awaited alone
    this.alive();
  }

  /** Aborted when the watchdog fires: give it to every request of the upload. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Progress was made: the countdown starts again. */
  alive(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onStall();
      this.controller.abort(this.error());
      this.fail(this.error());
    }, this.stallMs);
  }

  /** Settles with `work`, or rejects as a timeout once the watchdog fires. */
  race<T>(work: Promise<T>): Promise<T> {
    work.catch(() => {}); // after a stall, its own rejection (an abort) is of no interest
    return Promise.race([work, this.stalled]);
  }

  error(): Error {
    return new Error(`upload timeout: ${this.what} for ${this.stallMs} ms`);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
