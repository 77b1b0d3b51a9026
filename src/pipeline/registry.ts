// Finds pipelines by name: pipelines/<name>.ts (or .mts/.js/.mjs) in the project directory,
// each exporting definePipeline({...}) as its default export.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, UsageError } from '../errors.js';
import { isPipeline, NAME_PATTERN, type Pipeline } from './define.js';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export class PipelineRegistry {
  readonly dir: string;

  constructor(deps: { cwd: string }) {
    this.dir = path.join(deps.cwd, 'pipelines');
  }

  /** Known pipeline names, sorted. */
  names(): string[] {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const names = entries
      .filter((f) => EXTENSIONS.includes(path.extname(f)) && !f.endsWith('.d.ts') && !f.includes('.test.'))
      .map((f) => f.slice(0, -path.extname(f).length))
      .filter((n) => NAME_PATTERN.test(n));
    return [...new Set(names)].sort();
  }

  async load(name: string): Promise<Pipeline> {
    const file = this.fileOf(name);
    let module: Record<string, unknown>;
    try {
      module = await import(pathToFileURL(file).href);
    } catch (error) {
      // An invalid definePipeline call keeps its code (scripts tell it from a file that does not parse) and
      // hint; by its code, not instanceof: the project may import another copy of arkive than the CLI's.
      const invalid = (error as { code?: unknown } | null)?.code === 'PIPELINE_INVALID' ? error as { code: string; hint?: string } : undefined;
      throw notEsmError(file, error) ?? new InputError({
        code: invalid?.code ?? 'PIPELINE_LOAD',
        message: `pipeline file ${file} does not load: ${error instanceof Error ? error.message : String(error)}`,
        hint: invalid?.hint ?? 'Fix the error in that file (a syntax error, a missing import, or an invalid definePipeline call).',
        cause: error,
      });
    }
    return this.pipelineOf(module, name, file);
  }

  private fileOf(name: string): string {
    const file = NAME_PATTERN.test(name)
      ? EXTENSIONS.map((ext) => path.join(this.dir, name + ext)).find((f) => fs.existsSync(f))
      : undefined;
    if (file) return file;
    const known = this.names();
    throw new UsageError({
      code: 'PIPELINE_NOT_FOUND',
      message: `unknown pipeline "${name}"; known pipelines in ${this.dir}: ${known.length ? known.join(', ') : '(none)'}`,
      hint: known.length
        ? `Run one of: ${known.map((k) => `arkive run ${k}`).join(', ')}; or create pipelines/${name}.ts.`
        : `Run arkive from the project directory that holds pipelines/, or pass --cwd.`,
    });
  }

  private pipelineOf(module: Record<string, unknown>, name: string, file: string): Pipeline {
    const pipeline = module.default ?? module.pipeline;
    if (!isPipeline(pipeline)) {
      throw new InputError({
        code: 'PIPELINE_INVALID',
        message: `pipeline file ${file} does not export a pipeline`,
        hint: 'End the file with: export default definePipeline({ name, description, sources, schema, key, clean }).',
      });
    }
    if (pipeline.name !== name) {
      throw new InputError({
        code: 'PIPELINE_INVALID',
        message: `pipeline file ${file} defines a pipeline named "${pipeline.name}", not "${name}"`,
        hint: `Rename the file to pipelines/${pipeline.name}.ts or change its name to "${name}".`,
      });
    }
    return pipeline;
  }
}

/**
 * A .ts or .js file is an ES module only under a package.json with "type": "module"; else Node
 * (and tsx) load it as CommonJS, and its `import` fails with a message about require() that
 * does not say what is wrong. Says what to add, once loading has failed.
 */
function notEsmError(file: string, cause: unknown): InputError | undefined {
  if (!['.ts', '.js'].includes(path.extname(file))) return undefined;
  const pkg = nearestPackageJson(path.dirname(file));
  if (pkg?.type === 'module') return undefined;
  const where = pkg ? `${pkg.file} has no "type": "module"` : `no package.json is above it`;
  return new InputError({
    code: 'PIPELINE_NOT_ESM',
    message: `pipeline file ${file} does not load: it is loaded as CommonJS, because ${where}`,
    hint: pkg
      ? `Add "type": "module" to ${pkg.file} (pipelines are ES modules), or rename the file to ${file.replace(/\.(ts|js)$/, '.m$1')}.`
      : `Create ${path.join(path.dirname(path.dirname(file)), 'package.json')} with {"type": "module"} (pipelines are ES modules), or rename the file to ${file.replace(/\.(ts|js)$/, '.m$1')}.`,
    cause,
  });
}

function nearestPackageJson(dir: string): { file: string; type?: unknown } | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return { file, type: (JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: unknown }).type };
      } catch {
        return { file };
      }
    }
    if (path.dirname(at) === at) return undefined;
  }
}
