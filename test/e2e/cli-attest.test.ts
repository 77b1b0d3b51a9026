// WeaveDrive readiness: a pipeline that lists AO consumers gets every file of its release
// attested (Data-Protocol=ao, Type=Attestation, Message=<id>) by the publishing wallet, once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystem } from '../../src/system.js';
import { arkive } from '../helpers/cli.js';
import { peopleProject } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

const CONSUMER = 'c'.repeat(43);

describe('a pipeline with AO consumers', () => {
  it('attests every file of its release once, for WeaveDrive', async () => {
    const cwd = peopleProject('id,name,age\n1,Ann,3\n2,Bob,4\n');
    const file = path.join(cwd, 'pipelines/people.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('key: (p) => p.id,', `key: (p) => p.id,\n  ao: { consumers: ['${CONSUMER}'] },`));
    const home = tmpDir();
    const run = await arkive(['run', 'people', '--json', '--home', home], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const artifact = JSON.parse(run.stdout).artifacts[0];
    expect(run.stderr).toMatch(/"stage":"attest"/);
    const shown = JSON.parse((await arkive(['show', artifact.contentId, '--json', '--home', home], { cwd })).stdout);
    const wanted = [artifact.contentId, ...shown.files.map((f: { id: string }) => f.id)].sort();
    expect(wanted.length).toBeGreaterThanOrEqual(3); // manifest, card, one chunk

    const rerun = await arkive(['run', 'people', '--json', '--home', home], { cwd });
    expect(JSON.parse(rerun.stdout).status).toBe('unchanged');

    const network = await createSystem({ cwd, home }, {}).openNetwork();
    try {
      await network.settle();
      const items = await network.gateway.query({
        owners: [network.uploader.address], tags: [{ name: 'Type', values: ['Attestation'] }], first: 100,
      });
      const tag = (i: (typeof items)[number], name: string) => i.tags.find((t) => t.name === name)?.value;
      expect(items.every((i) => tag(i, 'Data-Protocol') === 'ao')).toBe(true);
      expect(items.map((i) => tag(i, 'Message')).sort()).toEqual(wanted); // once each, despite the re-run
    } finally {
      await network.close();
    }
  }, 120_000);

  it('refuses consumers that are not process IDs', async () => {
    const cwd = peopleProject('id,name,age\n1,Ann,3\n');
    const file = path.join(cwd, 'pipelines/people.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('key: (p) => p.id,', "key: (p) => p.id,\n  ao: { consumers: ['nope'] },"));
    const result = await arkive(['run', 'people', '--home', tmpDir()], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ao.consumers must be a list of AO process IDs');
  });
});
