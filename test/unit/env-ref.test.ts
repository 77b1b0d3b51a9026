// env('NAME') references in source options: resolved against the environment the run was
// given, never printed as their value.
import { describe, expect, it } from 'vitest';
import { env, isEnvRef, resolveEnv } from '../../src/pipeline/env-ref.js';
import { InputError } from '../../src/errors.js';

describe('env references', () => {
  it('resolves against the given environment and prints as its name, never its value', () => {
    const ref = env('API_TOKEN');
    expect(isEnvRef(ref)).toBe(true);
    expect(resolveEnv(ref, { API_TOKEN: 's3cret' }, 'source "api" header Authorization')).toBe('s3cret');
    expect(`${ref}`).toBe('env(API_TOKEN)');
    expect(JSON.stringify({ headers: { Authorization: ref } })).toBe('{"headers":{"Authorization":"env(API_TOKEN)"}}');
    expect(resolveEnv('plain', {}, 'x')).toBe('plain');
  });

  it('names the variable and where it is used when it is unset or empty', () => {
    for (const environment of [{}, { API_TOKEN: '' }, undefined]) {
      let thrown: unknown;
      try {
        resolveEnv(env('API_TOKEN'), environment, 'source "api" header Authorization');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).code).toBe('ENV_MISSING');
      expect((thrown as InputError).message).toContain('source "api" header Authorization');
      expect((thrown as InputError).message).toContain('$API_TOKEN');
    }
  });

  it('refuses a name that is not an environment variable name', () => {
    for (const bad of ['', 'A-B', '1X', 'x y']) expect(() => env(bad)).toThrow(/does not name an environment variable/);
  });
});
