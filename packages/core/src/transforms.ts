// Evaluation entry points. (grad, vjp, jvp, vmap and compile arrive with the transforms issue.)
import { N } from './native.js';

function collectArrays(values: unknown[], out: unknown[] = [], seen = new Set<unknown>()): unknown[] {
  for (const v of values) {
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof N.NativeArray) out.push(v);
    else if (Array.isArray(v)) collectArrays(v, out, seen);
    else if (v instanceof Map) collectArrays([...v.values()], out, seen);
    else collectArrays(Object.values(v as object), out, seen);
  }
  return out;
}

/** Evaluates arrays (or trees of arrays) now, on the calling thread. */
export function evalArrays(...values: unknown[]): void {
  N.eval(collectArrays(values));
}

/**
 * Evaluates on the engine thread and resolves when done, keeping the event loop free.
 * An aborted signal rejects with the abort reason once the running evaluation returns.
 */
export async function asyncEval(...values: unknown[]): Promise<void> {
  let signal: AbortSignal | undefined;
  if (values.length && values[values.length - 1] instanceof AbortSignal) signal = values.pop() as AbortSignal;
  signal?.throwIfAborted();
  await N.asyncEval(collectArrays(values));
  signal?.throwIfAborted();
}
