// Small helpers shared by decoding, transcription and streaming.
import { deflateSync } from 'node:zlib';
import { CancelledError } from '@mlx/core';

/** Throws the typed CancelledError (code MLX_CANCELLED) when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw asCancelled(signal.reason);
}

/** Maps an abort (DOMException AbortError or a reason) to CancelledError; other errors pass through. */
export function asCancelled(e: unknown): Error {
  if (e instanceof CancelledError) return e;
  if (e instanceof Error && e.name === 'AbortError') return new CancelledError(`Whisper decoding was cancelled: ${e.message}`);
  if (e instanceof Error) return e;
  return new CancelledError(e === undefined ? undefined : `Whisper decoding was cancelled: ${String(e)}`);
}

/** utf-8 bytes / zlib-compressed bytes: repetitive (hallucinated) text compresses well and scores high. */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

/** log-sum-exp of plain numbers (stable). */
export function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - m);
  return m + Math.log(s);
}
