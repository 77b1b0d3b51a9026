// One error hierarchy for the whole tool. Every error carries a stable `code` (for scripts
// and tests), a message that says what happened and where, and a hint that says how to fix
// it. Only src/cli/ turns these into exit codes and printed text.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  integrity: 3,
  locked: 4,
  budget: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  code: string;
  message: string;
  hint: string;
  cause?: unknown;
}

export class ArkiveError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly exitCode: ExitCode = ExitCode.failure;

  constructor(details: ErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.hint = details.hint;
  }

  toJSON(): { code: string; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** The command line was wrong: unknown command, option or pipeline name. Exit 2. */
export class UsageError extends ArkiveError {
  override readonly exitCode = ExitCode.usage;
}

/** The input given to arkive is unusable: a missing source file, a pipeline that does not load. Exit 2. */
export class InputError extends ArkiveError {
  override readonly exitCode = ExitCode.usage;
}

/** Something failed while running: the database, the disk, the network. Exit 1. */
export class RuntimeFailure extends ArkiveError {}

/** Content did not match its hash or signature. Exit 3. */
export class IntegrityError extends ArkiveError {
  override readonly exitCode = ExitCode.integrity;
}

/** Another process holds the run lock of this pipeline. Exit 4. */
export class LockHeldError extends ArkiveError {
  override readonly exitCode = ExitCode.locked;
}

/** Publishing would cost more than the budget allows, or more than the wallet holds. Exit 5. */
export class BudgetError extends ArkiveError {
  override readonly exitCode = ExitCode.budget;
}

/** Wraps anything thrown that is not already an ArkiveError, keeping it as the cause. */
export function asArkiveError(error: unknown, where: string): ArkiveError {
  if (error instanceof ArkiveError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new RuntimeFailure({
    code: 'UNEXPECTED',
    message: `${where}: ${text}`,
    hint: 'This is not an error arkive expected. Re-run with the same input; if it persists, report it with the message above.',
    cause: error,
  });
}
