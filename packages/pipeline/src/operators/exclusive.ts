// Backpressure for inference stages: one job at a time, with an explicit policy for what arrives meanwhile.
import { from, isObservable, Observable, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';

/** Counters a caller can read at any time (e.g. to assert that no frames were dropped). */
export interface ExclusiveStats { received: number; started: number; completed: number; dropped: number; aborted: number; pending: number }
export function createExclusiveStats(): ExclusiveStats {
  return { received: 0, started: 0, completed: 0, dropped: 0, aborted: 0, pending: 0 };
}

export interface ExclusiveOptions<T> {
  /** 'latest': only the newest waiting value is kept; 'queue': values wait in order (default). */
  policy?: 'latest' | 'queue';
  /** most values waiting while a job runs ('queue' default: unbounded; 'latest': always 1); the oldest is dropped beyond it */
  bound?: number;
  /** a new value drops the waiting values it supersedes (e.g. a newer partial transcript replaces an older one) */
  supersedes?: (newer: T, older: T) => boolean;
  /** a new value aborts the running job when this returns true (barge-in) */
  preempts?: (newer: T, running: T) => boolean;
  stats?: ExclusiveStats;
  onDrop?: (value: T, reason: 'bound' | 'superseded') => void;
}

export type JobResult<R> = ObservableInput<R> | AsyncIterable<R>;

/** Observable over a job that receives an AbortSignal; unsubscribing aborts it. */
export function abortable<R>(job: (signal: AbortSignal) => JobResult<R>): Observable<R> {
  return new Observable<R>((subscriber) => {
    const controller = new AbortController();
    let inner: Subscription | undefined;
    let iterator: AsyncIterator<R> | undefined;
    let result: JobResult<R>;
    let settled = false; // a finished job's signal is left alone: aborting it would tell the model to stop work it already did
    const done = { complete: () => { settled = true; subscriber.complete(); }, error: (e: unknown) => { settled = true; subscriber.error(e); } };
    try { result = job(controller.signal); } catch (e) { subscriber.error(e); return; }
    if (result && typeof (result as AsyncIterable<R>)[Symbol.asyncIterator] === 'function' && !isObservable(result)) {
      iterator = (result as AsyncIterable<R>)[Symbol.asyncIterator]();
      const it = iterator;
      (async () => {
        try {
          for (;;) {
            const { value, done } = await it.next();
            if (controller.signal.aborted) return;
            if (done) break;
            subscriber.next(value);
          }
          done.complete();
        } catch (e) { if (!controller.signal.aborted) done.error(e); }
      })();
    } else {
      inner = from(result as ObservableInput<R>).subscribe({ next: (v) => subscriber.next(v), ...done });
    }
    return () => {
      if (settled) return;
      controller.abort();
      inner?.unsubscribe();
      void iterator?.return?.()?.catch?.(() => {});
    };
  });
}

/**
 * Runs `project` for one value at a time. Waiting values follow the policy; drops are counted in `stats`.
 * Unsubscribing aborts the running job's signal.
 */
export function exclusive<T, R>(
  project: (value: T, signal: AbortSignal, index: number) => JobResult<R>,
  opts: ExclusiveOptions<T> = {},
): OperatorFunction<T, R> {
  const policy = opts.policy ?? 'queue';
  const bound = policy === 'latest' ? Math.min(opts.bound ?? 1, 1) : opts.bound ?? Infinity;
  if (!(bound >= 1)) throw new RangeError(`bound must be at least 1, got ${opts.bound}`);
  return (source) => new Observable<R>((subscriber) => {
    const stats = opts.stats ?? createExclusiveStats();
    const waiting: T[] = [];
    let running: { value: T; sub: Subscription } | undefined;
    let sourceDone = false;
    let index = 0;
    const drop = (v: T, reason: 'bound' | 'superseded') => { stats.dropped++; opts.onDrop?.(v, reason); };
    const next = () => {
      if (running) return;
      const value = waiting.shift();
      stats.pending = waiting.length;
      if (value === undefined) { if (sourceDone) subscriber.complete(); return; }
      stats.started++;
      const job = { value, sub: undefined as unknown as Subscription };
      running = job;
      job.sub = abortable((signal) => project(value, signal, index++)).subscribe({
        next: (r) => subscriber.next(r),
        error: (e) => subscriber.error(e),
        complete: () => {
          stats.completed++;
          if (running === job) running = undefined;
          queueMicrotask(next);
        },
      });
    };
    const sourceSub = source.subscribe({
      next: (v) => {
        stats.received++;
        if (running && opts.preempts?.(v, running.value)) {
          stats.aborted++;
          running.sub.unsubscribe();
          running = undefined;
        }
        if (opts.supersedes || policy === 'latest') {
          for (let i = waiting.length - 1; i >= 0; i--) {
            if (policy === 'latest' || opts.supersedes!(v, waiting[i]!)) drop(waiting.splice(i, 1)[0]!, 'superseded');
          }
        }
        waiting.push(v);
        while (waiting.length > bound) drop(waiting.shift()!, 'bound');
        stats.pending = waiting.length;
        next();
      },
      error: (e) => subscriber.error(e),
      complete: () => { sourceDone = true; if (!running && waiting.length === 0) subscriber.complete(); },
    });
    return () => {
      sourceSub.unsubscribe();
      if (running) { stats.aborted++; running.sub.unsubscribe(); running = undefined; }
      waiting.length = 0;
    };
  });
}
