// Evaluation and function transforms. The graph work (tracing, vjp/jvp rules) is native;
// this file maps JS functions and trees of arrays onto it.
import type { array } from './array.js';
import { InvalidArgumentError } from './errors.js';
import { trackAll } from './memory.js';
import { N } from './native.js';
import { treeFlatten, treeMap } from './utils/tree.js';

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
 * A trailing AbortSignal rejects the promise if it is aborted (before or during the work).
 */
export async function asyncEval(...values: unknown[]): Promise<void> {
  let signal: AbortSignal | undefined;
  if (values.length && values[values.length - 1] instanceof AbortSignal) signal = values.pop() as AbortSignal;
  signal?.throwIfAborted();
  await N.asyncEval(collectArrays(values));
  signal?.throwIfAborted();
}

const isArray = (x: unknown): x is array => x instanceof N.NativeArray;
const onesLike = (a: array): array => N.full(a.shape, 1, a.dtype.id);

function asList(out: unknown, what: string): array[] {
  const list = Array.isArray(out) ? out : [out];
  for (const o of list) if (!isArray(o)) throw new InvalidArgumentError(`[${what}] The function must return an array or a list of arrays.`);
  return list as array[];
}

/** Runs fn on traced copies of `primals`; returns the traced inputs and fn's outputs. */
function traced<T>(primals: array[], fn: (inputs: array[]) => T): { inputs: array[]; out: T } {
  N.beginTrace();
  try {
    const inputs: array[] = trackAll(N.traceInputs(primals));
    return { inputs, out: fn(inputs) };
  } finally {
    N.endTrace();
  }
}

/** Reverse mode: returns [outputs, vector-Jacobian products w.r.t. each primal]. */
export function vjp(fun: (...args: array[]) => array | array[], primals: array[], cotangents: array[]): [array[], array[]] {
  N.beginTrace();
  try {
    const { inputs, out } = traced(primals, (xs) => fun(...xs));
    const outs = asList(out, 'vjp');
    return [outs, trackAll(N.vjpBackward(inputs, outs, cotangents))];
  } finally {
    N.endTrace();
  }
}

/** Forward mode: returns [outputs, Jacobian-vector products]. */
export function jvp(fun: (...args: array[]) => array | array[], primals: array[], tangents: array[]): [array[], array[]] {
  N.beginTrace();
  try {
    const { inputs, out } = traced(primals, (xs) => fun(...xs));
    const outs = asList(out, 'jvp');
    return [outs, trackAll(N.jvpForward(inputs, tangents, outs))];
  } finally {
    N.endTrace();
  }
}

type AnyFn = (...args: any[]) => any;

/**
 * valueAndGrad(fun, argnums = 0): a function returning [fun(...args), grads]. Arguments at `argnums`
 * may be trees (objects, lists) of arrays; grads have the same structure. fun returns a scalar
 * array, or a list whose first element is the scalar to differentiate (the rest is passed through).
 */
export function valueAndGrad<F extends AnyFn>(fun: F, argnums?: number | number[]): (...args: Parameters<F>) => [ReturnType<F>, any] {
  const nums = argnums === undefined ? [0] : Array.isArray(argnums) ? argnums : [argnums];
  if (nums.length === 0) throw new InvalidArgumentError('[grad] argnums must not be empty.');
  return (...args: Parameters<F>) => {
    for (const n of nums) {
      if (n < 0 || n >= args.length) throw new InvalidArgumentError(`[grad] argnum ${n} is out of range for ${args.length} arguments.`);
    }
    const leaves: array[] = [];
    for (const n of nums) for (const [, leaf] of treeFlatten(args[n])) if (isArray(leaf)) leaves.push(leaf);
    N.beginTrace();
    try {
      const { inputs, out } = traced(leaves, (xs) => {
        let k = 0;
        const newArgs = [...args];
        for (const n of nums) newArgs[n] = treeMap((leaf: unknown) => (isArray(leaf) ? xs[k++] : leaf), args[n]);
        return fun(...newArgs);
      });
      const loss = Array.isArray(out) ? out[0] : out;
      if (!isArray(loss) || loss.ndim !== 0) {
        throw new InvalidArgumentError(`[grad] The function must return a scalar array (shape []), got ${isArray(loss) ? `shape [${loss.shape}]` : typeof loss}.`);
      }
      const grads: array[] = trackAll(N.vjpBackward(inputs, [loss], [onesLike(loss)]));
      let k = 0;
      const trees = nums.map((n) => treeMap((leaf: unknown) => (isArray(leaf) ? grads[k++] : null), args[n]));
      return [out, Array.isArray(argnums) ? trees : trees[0]];
    } finally {
      N.endTrace();
    }
  };
}

/** grad(fun, argnums = 0): the gradient of a scalar function w.r.t. the arguments at argnums. */
export function grad<F extends AnyFn>(fun: F, argnums?: number | number[]): (...args: Parameters<F>) => any {
  const vg = valueAndGrad(fun, argnums);
  return (...args: Parameters<F>) => vg(...args)[1];
}


type Axis = number | null;

/**
 * vmap(fun, inAxes = 0, outAxes = 0): maps fun over an axis of its inputs. inAxes is one axis for
 * every argument or one per argument (null: not mapped; a tree argument maps all its leaves on that
 * axis). fun returns an array or a list of arrays; outAxes likewise.
 */
export function vmap<F extends AnyFn>(fun: F, inAxes: Axis | Axis[] = 0, outAxes: Axis | Axis[] = 0): (...args: Parameters<F>) => ReturnType<F> {
  return ((...args: any[]) => {
    const perArg = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    if (perArg.length !== args.length) throw new InvalidArgumentError(`[vmap] in_axes has ${perArg.length} entries for ${args.length} arguments.`);
    const leaves: array[] = [], axes: number[] = [];
    args.forEach((a, i) => {
      for (const [, leaf] of treeFlatten(a)) if (isArray(leaf)) { leaves.push(leaf); axes.push(perArg[i] ?? -1); }
    });
    if (!axes.some((a) => a >= 0)) throw new InvalidArgumentError('[vmap] At least one input must be mapped.');
    N.beginTrace();
    try {
      const ph: array[] = N.vmapPlaceholders(leaves, axes);
      let k = 0;
      const newArgs = args.map((a) => treeMap((leaf: unknown) => (isArray(leaf) ? ph[k++] : leaf), a));
      const out = fun(...newArgs);
      const outs = asList(out, 'vmap');
      const oax = (Array.isArray(outAxes) ? outAxes : outs.map(() => outAxes)).map((a) => a ?? -1);
      if (oax.length !== outs.length) throw new InvalidArgumentError(`[vmap] out_axes has ${oax.length} entries for ${outs.length} outputs.`);
      const res: array[] = trackAll(N.vmapReplace(leaves, ph, axes, outs, oax));
      return Array.isArray(out) ? res : res[0];
    } finally {
      N.endTrace();
    }
  }) as any;
}

/**
 * compile(fun, shapeless = false): traces fun once per input signature (shapes, dtypes and the values
 * of non-array arguments), simplifies the graph, fuses elementwise chains into single kernels, and
 * replays the program on later calls without running fun again. With shapeless, a program whose
 * every node can infer shapes (and which froze no constant at the traced shape) is reused for new
 * shapes of the same ranks; otherwise it is traced once per shape, so results are always right.
 * fun takes arrays (or trees of arrays and constants) and returns an array or a list/tree of arrays.
 */
export function compile<F extends AnyFn>(fun: F, shapeless = false): F {
  type Entry = { program: unknown; outTree: unknown; shapeless: boolean };
  const cache = new Map<string, Entry>();
  const compiled = (...args: any[]) => {
    if (!N.compileEnabled()) return fun(...args);
    const leaves: array[] = [];
    const consts: unknown[] = [];
    for (const [path, leaf] of treeFlatten(args)) {
      if (isArray(leaf)) leaves.push(leaf);
      else consts.push([path, leaf]);
    }
    const sig = (byShape: boolean) =>
      leaves.map((l) => `${l.dtype.id}:${byShape ? l.shape.join('x') : l.ndim}`).join('|') + '#' + JSON.stringify(consts);
    const exactKey = sig(true);
    let entry = cache.get(exactKey);
    // A shapeless program is reused for any shapes of the same ranks, when the graph allows it.
    if (!entry && shapeless) {
      const e = cache.get(sig(false));
      if (e?.shapeless) entry = e;
    }
    if (!entry) {
      N.beginTrace();
      try {
        const ph: array[] = N.compilePlaceholders(leaves);
        let k = 0;
        const newArgs = args.map((a) => treeMap((leaf: unknown) => (isArray(leaf) ? ph[k++] : leaf), a));
        const out = fun(...newArgs);
        const flat = treeFlatten(out);
        if (flat.length === 0 || !flat.every(([, v]) => isArray(v))) {
          throw new InvalidArgumentError('[compile] The compiled function must return an array or a tree of arrays.');
        }
        const outs = flat.map(([, v]) => v as array);
        const program = N.compileBuild(ph, outs, shapeless);
        entry = { program, outTree: out, shapeless: shapeless && N.compileIsShapeless(program) };
        for (const o of outs) o.dispose();
        for (const p of ph) p.dispose();
      } finally {
        N.endTrace();
      }
      cache.set(exactKey, entry);
      if (entry.shapeless) cache.set(sig(false), entry);
    }
    const res: array[] = trackAll(N.compileReplay(entry.program, leaves));
    let k = 0;
    return treeMap(() => res[k++], entry.outTree);
  };
  return compiled as F;
}

export const disableCompile = (): void => N.setCompileEnabled(false);
export const enableCompile = (): void => N.setCompileEnabled(true);
