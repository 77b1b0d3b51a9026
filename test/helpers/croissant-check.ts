// Checks a croissant.json the way a third party would: against schemas/croissant.schema.json
// with an independent JSON Schema validator (Ajv, draft 2020-12), plus what JSON Schema cannot
// say: every @id is unique and every reference ({"@id": …}) names a node of the document.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { repoRoot } from './tmp.js';

type Json = Record<string, unknown>;

const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/croissant.schema.json'), 'utf8')) as Json;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** What is wrong with the document ([] when nothing): schema errors, then reference errors. */
export function croissantProblems(doc: unknown): string[] {
  if (!validate(doc)) return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  return referenceProblems(doc as Json);
}

function referenceProblems(doc: Json): string[] {
  const problems: string[] = [];
  const distribution = doc.distribution as Json[];
  const recordSets = doc.recordSet as Json[];
  const fields = recordSets.flatMap((r) => r.field as Json[]);
  const ids = [...distribution, ...recordSets, ...fields].map((n) => n['@id'] as string);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`@id ${id} is used twice`);
  const fileSets = new Set(distribution.filter((n) => n['@type'] === 'cr:FileSet').map((n) => n['@id']));
  for (const field of fields) {
    const target = ((field.source as Json).fileSet as Json)['@id'];
    if (!fileSets.has(target)) problems.push(`field ${String(field['@id'])} reads ${String(target)}, which is no FileSet of the document`);
  }
  for (const set of recordSets) {
    const own = new Set((set.field as Json[]).map((f) => f['@id']));
    const keys = set.key === undefined ? [] : [set.key].flat() as Json[];
    for (const key of keys) if (!own.has(key['@id'])) problems.push(`key ${String(key['@id'])} of ${String(set['@id'])} is not one of its fields`);
  }
  return problems;
}
