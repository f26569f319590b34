// Typed errors of @mlx/vlm; each has a stable `code` (DESIGN.md §5).
import * as mx from '@mlx/core';

/** An image could not be decoded (corrupt bytes, unknown format, zero size). */
export class ImageDecodeError extends mx.MlxError {
  constructor(message: string, readonly source?: string) { super(message, 'MLX_IMAGE_DECODE'); }
}

/** A model directory is incomplete or its files contradict each other (names the file). */
export class ModelFormatError extends mx.MlxError {
  constructor(message: string, readonly file?: string, readonly offset?: number) { super(message, 'MLX_MODEL_FORMAT'); }
}

/** The prompt with its image tokens does not fit the model's context, or images and placeholders disagree. */
export class ContextOverflowError extends mx.MlxError {
  constructor(message: string, readonly tokens: number, readonly limit: number) { super(message, 'MLX_CONTEXT_OVERFLOW'); }
}

/** Images and image placeholders in the prompt disagree, or the request is malformed. */
export class VlmInputError extends mx.MlxError {
  constructor(message: string) { super(message, 'MLX_VLM_INPUT'); }
}
