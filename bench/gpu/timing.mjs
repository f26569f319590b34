// GPU timing shared by the bench/gpu scripts (run on the GPU machine).
import * as mx from '../../packages/core/dist/index.js';
import N from '../../packages/native/index.js';

/** GPU time of one eval of fn in seconds, from CUDA events (as the PyTorch peers time): the backend records the
 * start event when the first kernel of the eval allocates its output and the stop event when eval synchronises.
 * Median of reps after warmup evals. */
export function timeGpu(fn, reps = 20, warmup = 3) {
  const stream = mx.defaultStream(mx.gpu).index;
  for (let i = 0; i < warmup; i++) mx.tidy(() => { mx.eval(fn()); return undefined; });
  const ts = [];
  for (let i = 0; i < reps; i++) {
    N.setBackendOption(1, 'timerStart', stream);
    mx.tidy(() => { mx.eval(fn()); return undefined; });
    ts.push(mx.cuda.counters().timer_ms / 1e3);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
