// Dataset, model and pipeline names (DESIGN.md, Identity). Defined here, below the pipeline
// layer, because cards are checked against it and snapshot must not import pipeline.
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
