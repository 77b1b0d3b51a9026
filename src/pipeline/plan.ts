// The plan of a run, separate from its execution: what will be read, in which order, and
// which stages follow. Pure: `arkive run --dry-run` prints it without touching any state.
import type { Pipeline } from './define.js';
import type { ExtractContext } from './source.js';

export interface RunPlan {
  pipeline: string;
  dataset: string;
  description: string;
  sources: { name: string; reads: string }[];
  stages: string[];
  schedule: string | null;
}

export const STAGES = ['extract', 'clean', 'validate', 'load', 'finalize'] as const;

export function planRun(pipeline: Pipeline, ctx: ExtractContext): RunPlan {
  return {
    pipeline: pipeline.name,
    dataset: pipeline.dataset,
    description: pipeline.description,
    sources: pipeline.sources.map((s) => ({ name: s.name, reads: s.describe(ctx) })),
    stages: [...STAGES],
    schedule: pipeline.schedule?.cron ?? null,
  };
}
