// The tags of each kind of item in a release, built from what the release knows.
import { APP_NAME, APP_VERSION, toTagList, type ArkiveTags, type Tag } from './tags.js';

export interface TagContext {
  kind: 'dataset' | 'model';
  name: string;
  pipeline: string;
  runId: string;
  description?: string | undefined;
  /** SPDX identifier (release item tag License-SPDX). */
  license?: string | undefined;
  /** The Universal Data License as tags (name → value, src/snapshot/udl.ts), carried by every item of the release. */
  udl?: Record<string, string> | undefined;
  schemaSha256?: string | undefined;
  trainedOn?: string | undefined;
}

export function releaseTags(
  ctx: TagContext & { version: number; digest?: string; parent?: string | null },
  itemKind: ArkiveTags['Arkive-Kind'], contentType: string, sha256: string, rowsSha256?: string,
): Tag[] {
  const tags: ArkiveTags = {
    'App-Name': APP_NAME,
    'App-Version': APP_VERSION,
    'Content-Type': contentType,
    'Content-SHA256': sha256,
    ...(rowsSha256 && { 'Arkive-Rows-SHA256': rowsSha256 }),
    'Arkive-Kind': itemKind,
    ...(ctx.kind === 'dataset' ? { 'Dataset-Name': ctx.name } : { 'Model-Name': ctx.name }),
    Version: String(ctx.version),
    Pipeline: ctx.pipeline,
    'Run-Id': ctx.runId,
    ...(ctx.schemaSha256 && { 'Schema-SHA256': ctx.schemaSha256 }),
    ...(ctx.trainedOn && { 'Trained-On': ctx.trainedOn }),
    // On every item, not only the manifest: whoever finds a chunk by GraphQL finds its terms with it.
    ...(ctx.udl as Partial<ArkiveTags> | undefined),
  };
  if (itemKind === 'release') {
    Object.assign(tags, {
      'Arkive-Digest': ctx.digest,
      ...(ctx.parent && { Parent: ctx.parent }),
      ...(ctx.license && { 'License-SPDX': ctx.license }),
      Title: `${ctx.name} v${ctx.version}`,
      ...(ctx.description && { Description: ctx.description.slice(0, 300) }),
    });
  }
  return toTagList(tags, `${itemKind} ${sha256.slice(0, 12)} of ${ctx.name} v${ctx.version}`);
}
