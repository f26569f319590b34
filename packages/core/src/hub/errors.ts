// Typed errors of the model sources (DESIGN.md §5).
import { MlxError } from '../errors.js';

/** A model name or path that no source can provide (unknown name, missing file, 404 on the hub). */
export class ModelNotFoundError extends MlxError {
  constructor(message: string) { super(message, 'MLX_MODEL_NOT_FOUND'); }
}

export type DownloadFailure = 'http' | 'network' | 'size' | 'sha256' | 'archive' | 'process';

/** A fetch that failed: HTTP status, dropped connection, size or hash mismatch, bad archive, pip failure. */
export class DownloadError extends MlxError {
  readonly reason: DownloadFailure;
  readonly url?: string;
  constructor(message: string, reason: DownloadFailure, url?: string) {
    super(message, 'MLX_DOWNLOAD');
    this.reason = reason;
    this.url = url;
  }
}
