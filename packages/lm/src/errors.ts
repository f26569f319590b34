// Typed errors of @mlx/lm, each with a stable `code` (DESIGN.md §5).
import { MlxError } from '@mlx/core';

/** A model file or config is malformed or inconsistent (missing tensor, wrong shape, bad metadata). */
export class ModelFormatError extends MlxError {
  constructor(message: string, readonly file?: string, readonly byteOffset?: number) {
    super(message, 'MLX_MODEL_FORMAT');
  }
}
/** No architecture is registered for the model's `model_type` / `general.architecture`. */
export class UnknownArchitectureError extends MlxError {
  constructor(readonly modelType: string, known: string[]) {
    super(`Unknown model architecture '${modelType}'. Registered: ${known.join(', ')}.`, 'MLX_UNKNOWN_ARCHITECTURE');
  }
}
/** The prompt (plus requested tokens) does not fit the model's context window. */
export class ContextLengthError extends MlxError {
  constructor(message: string) { super(message, 'MLX_CONTEXT_LENGTH'); }
}
/** A generation/sampling option is out of range or of the wrong type. */
export class GenerationOptionsError extends MlxError {
  constructor(message: string) { super(message, 'MLX_GENERATION_OPTIONS'); }
}
/** The model name could not be resolved to files on disk. */
export class ModelNotFoundError extends MlxError {
  constructor(message: string) { super(message, 'MLX_MODEL_NOT_FOUND'); }
}
