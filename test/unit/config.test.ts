import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

describe('resolveConfig', () => {
  it('defaults the home to .arkive in the project directory', () => {
    expect(resolveConfig({ cwd: '/p' }, {}).home).toBe('/p/.arkive');
    expect(resolveConfig({ cwd: '/p' }, {}).dbFile).toBe('/p/.arkive/arkive.db');
  });

  it('prefers --home, then $ARKIVE_HOME, resolving them against the working directory', () => {
    expect(resolveConfig({ cwd: '/p', home: '/h' }, { ARKIVE_HOME: '/e' }).home).toBe('/h');
    expect(resolveConfig({ cwd: '/p' }, { ARKIVE_HOME: '/e' }).home).toBe('/e');
    expect(resolveConfig({ cwd: '/p', home: 'rel' }, {}).home).toBe(path.resolve('rel'));
    expect(resolveConfig({ cwd: '/p' }, { ARKIVE_HOME: '' }).home).toBe('/p/.arkive');
  });
});
