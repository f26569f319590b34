// Typed errors of @mlx/whisper, each with a stable `code` (DESIGN.md §5).
import { MlxError } from '@mlx/core';

/** A model file that cannot be parsed: the file name and the byte offset where it went wrong. */
export class ModelFormatError extends MlxError {
  constructor(readonly file: string, readonly offset: number, what: string) {
    super(`${file}: ${what} (at byte ${offset}).`, 'MLX_MODEL_FORMAT');
  }
}

/** Audio that cannot be decoded (bad WAV header, truncated data, unsupported encoding). */
export class AudioFormatError extends MlxError {
  constructor(readonly file: string, readonly offset: number, what: string) {
    super(`${file}: ${what} (at byte ${offset}).`, 'MLX_AUDIO_FORMAT');
  }
}

/** No model was found for a name or path. */
export class ModelNotFoundError extends MlxError {
  constructor(message: string) { super(message, 'MLX_MODEL_NOT_FOUND'); }
}
