// env('NAME'): a reference to an environment variable in a source's options (a header, a
// database URL), resolved when the run opens the source, against the environment config.ts
// resolved, so a secret is written in neither the pipeline file nor any log or run record.
import { InputError } from '../errors.js';

const ENV_REF = Symbol.for('arkive.env-ref');

export interface EnvRef {
  readonly [ENV_REF]: string;
  /** Never the value: a reference prints as its name. */
  toString(): string;
  toJSON(): string;
}

export type MaybeEnv = string | EnvRef;

export function env(name: string): EnvRef {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InputError({
      code: 'PIPELINE_INVALID',
      message: `env(${JSON.stringify(name)}) does not name an environment variable`,
      hint: 'Pass the variable\'s name, e.g. env(\'API_TOKEN\').',
    });
  }
  const shown = `env(${name})`;
  return Object.freeze({ [ENV_REF]: name, toString: () => shown, toJSON: () => shown });
}

export function isEnvRef(value: unknown): value is EnvRef {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[ENV_REF] === 'string';
}

/** The value, or an InputError naming the variable and where it is used (never a value). */
export function resolveEnv(value: MaybeEnv, environment: Readonly<Record<string, string | undefined>> | undefined, where: string): string {
  if (!isEnvRef(value)) return value;
  const name = value[ENV_REF];
  const found = environment?.[name];
  if (found === undefined || found === '') {
    throw new InputError({
      code: 'ENV_MISSING',
      message: `${where} uses env('${name}'), but $${name} is not set`,
      hint: `Set ${name} in the environment of the run (for cron: in the crontab line or the job's environment file).`,
    });
  }
  return found;
}
