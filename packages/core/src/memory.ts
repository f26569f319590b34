// Deterministic lifetimes (DESIGN.md §3): dispose, tidy scopes per async context, statistics.
import { AsyncLocalStorage } from 'node:async_hooks';
import { N } from './native.js';

interface Disposable_ { dispose(): void }
type Scope = Set<Disposable_>;

const scopes = new AsyncLocalStorage<Scope>();
let activeScopes = 0;
// Arrays passed to keep(): no tidy scope disposes them; their owner calls dispose().
const kept = new WeakSet<object>();

/** Registers a freshly created array with the current tidy scope, if any. Returns it. */
export function track<T>(x: T): T {
  if (activeScopes > 0) {
    const s = scopes.getStore();
    if (s) s.add(x as unknown as Disposable_);
  }
  return x;
}
export function trackAll<T>(xs: T[]): T[] {
  if (activeScopes > 0) for (const x of xs) track(x);
  return xs;
}

function collect(value: unknown, keep: Set<unknown>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof N.NativeArray) { keep.add(value); return; }
  if (Array.isArray(value)) { for (const v of value) collect(v, keep, seen); return; }
  if (value instanceof Map) { for (const v of value.values()) collect(v, keep, seen); return; }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || typeof (value as any).parameters === 'function') {
    for (const v of Object.values(value as object)) collect(v, keep, seen);
  }
}

function release(scope: Scope, result: unknown, parent: Scope | undefined) {
  const keep = new Set<unknown>();
  collect(result, keep);
  for (const x of scope) {
    if (kept.has(x)) continue;  // kept arrays leave every scope
    if (keep.has(x)) parent?.add(x);  // survivors belong to the enclosing scope
    else x.dispose();
  }
  scope.clear();
}

/**
 * Runs fn and disposes every array created inside it that its result does not reach.
 * Async functions are supported; concurrent tidies never free each other's arrays because
 * scopes follow the async context.
 */
export function tidy<T>(fn: () => T): T {
  const parent = scopes.getStore();
  const scope: Scope = new Set();
  activeScopes++;
  let result: T;
  try {
    result = scopes.run(scope, fn);
  } catch (e) {
    activeScopes--;
    release(scope, undefined, parent);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => { activeScopes--; release(scope, v, parent); return v; },
      (e) => { activeScopes--; release(scope, undefined, parent); throw e; },
    ) as T;
  }
  activeScopes--;
  release(scope, result, parent);
  return result;
}

/**
 * Marks arrays (and arrays inside nested objects/lists) so that no enclosing `tidy` disposes them, even when
 * the tidy's result does not reach them (like tfjs `keep`). The caller owns them and disposes them itself.
 * Returns its argument (the first one when several are given).
 */
export function keep<T>(value: T, ...more: unknown[]): T {
  const all = new Set<unknown>();
  collect([value, ...more], all);
  const scope = activeScopes > 0 ? scopes.getStore() : undefined;
  for (const x of all) {
    kept.add(x as object);
    scope?.delete(x as Disposable_);
  }
  return value;
}

/** Disposes arrays (and arrays inside nested objects/lists) now. */
export function dispose(...values: unknown[]): void {
  const all = new Set<unknown>();
  collect(values, all);
  for (const x of all) (x as Disposable_).dispose();
}

export const getActiveMemory = (): number => N.memoryStats().active;
export const getPeakMemory = (): number => N.memoryStats().peak;
export const getCacheMemory = (): number => N.memoryStats().cache;
export const resetPeakMemory = (): void => N.resetPeakMemory();
/** Sets the memory limit in bytes; returns the previous one. */
export const setMemoryLimit = (bytes: number): number => N.setMemoryLimit(bytes);
/** Sets the buffer-cache limit in bytes; returns the previous one. */
export const setCacheLimit = (bytes: number): number => N.setCacheLimit(bytes);
/** Wired memory is a Metal concept; on CPU/CUDA it is accepted and has no effect. Returns 0. */
export const setWiredLimit = (_bytes: number): number => 0;
export const clearCache = (): void => N.clearCache();
/** Number of live native array handles (for leak tests). */
export const getWrappersCount = (): number => N.memoryStats().wrappers;
export const setNumThreads = (n: number): number => N.setNumThreads(n);
export const getNumThreads = (): number => N.getNumThreads();
