// The library API: what pipeline files and training code import from 'arkive'.
export { definePipeline, Rejection } from './pipeline/define.js';
export type { BudgetSpec, CleanContext, Pipeline, PipelineSpec, ScheduleSpec, SnapshotOptions } from './pipeline/define.js';
export { csv } from './pipeline/csv-extractor.js';
export type { CsvOptions } from './pipeline/csv-extractor.js';
export { jsonl } from './pipeline/jsonl-extractor.js';
export type { JsonlOptions } from './pipeline/jsonl-extractor.js';
export { http } from './pipeline/http-extractor.js';
export type { HttpCommonOptions, HttpFormat, HttpOptions } from './pipeline/http-extractor.js';
export { parquet } from './pipeline/parquet-extractor.js';
export type { ParquetOptions } from './pipeline/parquet-extractor.js';
export type { TextEncoding } from './pipeline/text-encoding.js';
export type { Extractor, ExtractContext, RawItem, ReadMode, SourceOptions, SourceReport, SourceState } from './pipeline/source.js';
export { env } from './pipeline/env-ref.js';
export type { EnvRef } from './pipeline/env-ref.js';
export { ArkiveError } from './errors.js';
export { htmlToText, stripHtml, decodeEntities } from './pipeline/cleaners/html.js';
export { scrubContacts, scrubEmails, scrubPhones } from './pipeline/cleaners/pii.js';
export { parseDate } from './pipeline/cleaners/dates.js';
// Re-exported so pipeline projects use the same zod as arkive without installing it.
export { z } from 'zod';
export { openDataset } from './retrieve/open-dataset.js';
export type { OpenDatasetOptions } from './retrieve/open-dataset.js';
export type { ModelSpec, PreviousModel, TrainContext, TrainResult } from './pipeline/define.js';
export { trainSentiment, SENTIMENT_CLASSES } from './pipeline/train/sentiment.js';
export { safetensorsBytes, writeSafetensors } from './snapshot/safetensors-writer.js';
export { readSafetensors, toFloat32, toFloat64 } from './snapshot/safetensors-reader.js';
export { sql } from './pipeline/sql-extractor.js';
export type { SqlOptions, SqlParam } from './pipeline/sql-extractor.js';
