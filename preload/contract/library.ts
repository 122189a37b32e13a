import { z } from 'zod';
import { ApiErrorSchema } from './errors.js';

export const DocumentId = z.number().int().positive();

export const DocumentStatus = z.enum(['pending', 'indexing', 'ready', 'failed']);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

export const DocumentSchema = z.object({
  id: DocumentId,
  title: z.string(),
  path: z.string(),
  contentHash: z.string(),
  /** Null until the PDF has been opened. */
  pages: z.number().int().nonnegative().nullable(),
  pagesIndexed: z.number().int().nonnegative(),
  /** 1-based numbers of pages that carry no text layer (scans, images). */
  imageOnlyPages: z.array(z.number().int().positive()),
  chunks: z.number().int().nonnegative(),
  status: DocumentStatus,
  error: ApiErrorSchema.nullable(),
  addedAt: z.string(),
});
export type DocumentInfo = z.infer<typeof DocumentSchema>;

export const IngestRequest = z.object({
  paths: z.array(z.string().min(1)).min(1, 'Give at least one file or folder.'),
});
export type IngestRequest = z.infer<typeof IngestRequest>;

export const IngestFileOutcome = z.enum(['ingested', 'resumed', 'unchanged', 'failed', 'cancelled']);
export type IngestFileOutcome = z.infer<typeof IngestFileOutcome>;

export const IngestFileResult = z.object({
  path: z.string(),
  documentId: DocumentId.nullable(),
  outcome: IngestFileOutcome,
  pages: z.number().int().nonnegative().nullable(),
  chunks: z.number().int().nonnegative(),
  imageOnlyPages: z.array(z.number().int().positive()),
  error: ApiErrorSchema.nullable(),
});
export type IngestFileResult = z.infer<typeof IngestFileResult>;

export const IngestProgressEvent = z.object({
  jobId: z.string(),
  path: z.string(),
  documentId: DocumentId.nullable(),
  pagesDone: z.number().int().nonnegative(),
  pagesTotal: z.number().int().nonnegative().nullable(),
});
export type IngestProgressEvent = z.infer<typeof IngestProgressEvent>;

export const IngestFileDoneEvent = z.object({ jobId: z.string(), file: IngestFileResult });
export type IngestFileDoneEvent = z.infer<typeof IngestFileDoneEvent>;

export const IngestDoneEvent = z.object({ jobId: z.string(), files: z.array(IngestFileResult) });
export type IngestDoneEvent = z.infer<typeof IngestDoneEvent>;

export const SearchMode = z.enum(['hybrid', 'vector', 'keyword']);
export type SearchMode = z.infer<typeof SearchMode>;

export const SearchRequest = z.object({
  query: z.string().trim().min(1, 'The search query is empty.'),
  k: z.number().int().min(1).max(200).default(10),
  documentIds: z.array(DocumentId).optional(),
  mode: SearchMode.default('hybrid'),
});
export type SearchRequest = z.input<typeof SearchRequest>;

/** A rectangle in PDF user space: x, y of the lower-left corner, width, height. */
export const TextBox = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export type TextBox = z.infer<typeof TextBox>;

export const SearchHit = z.object({
  chunkId: z.number().int().positive(),
  documentId: DocumentId,
  title: z.string(),
  /** 1-based. */
  page: z.number().int().positive(),
  text: z.string(),
  charStart: z.number().int().nonnegative(),
  charEnd: z.number().int().nonnegative(),
  boxes: z.array(TextBox),
  /** The fused score used for ranking (reciprocal rank fusion in hybrid mode). */
  score: z.number(),
  /** Cosine similarity of the vector leg, when it found this chunk. */
  vectorScore: z.number().nullable(),
  /** BM25 of the keyword leg (higher is better), when it found this chunk. */
  keywordScore: z.number().nullable(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResponse = z.object({ hits: z.array(SearchHit) });
export type SearchResponse = z.infer<typeof SearchResponse>;

export const EmbeddingModelInfo = z.object({
  path: z.string(),
  sha256: z.string(),
  dimensions: z.number().int().positive(),
  name: z.string(),
});
export type EmbeddingModelInfo = z.infer<typeof EmbeddingModelInfo>;
