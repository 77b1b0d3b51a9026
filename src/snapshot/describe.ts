// What the documents of a release for other tools (croissant.json, README.md) are written
// from: the card (everything but its documents' listing) and what the card does not hold.
import type { Card } from './card.js';
import type { RecordField } from './fields.js';

export interface ReleaseDescription {
  /** The card as it will be archived, without `documents` (they are written from it). */
  card: Card;
  /** The pipeline's description of the dataset (or the model's). */
  description: string;
  /** When this version was numbered (ISO 8601 UTC): datePublished, dateModified. */
  createdAt: string;
  /** When the name's first version was, as far as this home knows (ISO 8601 UTC): dateCreated. */
  firstCreatedAt: string;
  /** The publishing wallet's address (creator and publisher). */
  publisher: string;
  /** Dataset releases: the records' fields, from the card's schema (fields.ts). */
  fields: RecordField[];
  /** Model releases: the name and version of the dataset release trained on (card.trainedOn is its content ID). */
  dataset?: { name: string; version: number };
}

/** Paths of the documents in every release root. */
export const CROISSANT_PATH = 'croissant.json';
export const README_PATH = 'README.md';
