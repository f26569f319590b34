// Installs MLX's array methods on the native prototype. Each method forwards to the op of
// the same name in the `mx` namespace, so ops and methods cannot drift apart.
import type { array, ArrayLike } from './array.js';
import type { AtIndexer, Index } from './ops/indexing.js';
import * as mx from './index.js';
import { N } from './native.js';

type Rest<F> = F extends (a: any, ...rest: infer R) => infer Ret ? (...rest: R) => Ret : never;

// Methods whose op exists in this build; names listed in API.md rule 5.
const forwarded = [
  'astype', 'reshape', 'flatten', 'squeeze', 'transpose', 'swapaxes', 'moveaxis', 'split',
  'abs', 'exp', 'log', 'log2', 'log10', 'log1p', 'sin', 'cos', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'round', 'conj',
  'power',
  'sum', 'mean', 'max', 'min', 'prod', 'all', 'any', 'argmax', 'argmin', 'std', 'variance', 'logsumexp',
  'cumsum', 'cumprod', 'cummax', 'cummin', 'logcumsumexp',
  'diag', 'diagonal', 'view',
] as const;

declare module './array.js' {
  interface array {
    astype: Rest<typeof mx.astype>;
    reshape(...shape: number[] | [number[]]): array;
    flatten: Rest<typeof mx.flatten>;
    squeeze: Rest<typeof mx.squeeze>;
    transpose(...axes: number[] | [number[]?]): array;
    swapaxes: Rest<typeof mx.swapaxes>;
    moveaxis: Rest<typeof mx.moveaxis>;
    split: Rest<typeof mx.split>;
    abs: Rest<typeof mx.abs>;
    exp: Rest<typeof mx.exp>;
    log: Rest<typeof mx.log>;
    log2: Rest<typeof mx.log2>;
    log10: Rest<typeof mx.log10>;
    log1p: Rest<typeof mx.log1p>;
    sin: Rest<typeof mx.sin>;
    cos: Rest<typeof mx.cos>;
    sqrt: Rest<typeof mx.sqrt>;
    rsqrt: Rest<typeof mx.rsqrt>;
    square: Rest<typeof mx.square>;
    reciprocal: Rest<typeof mx.reciprocal>;
    round: Rest<typeof mx.round>;
    conj: Rest<typeof mx.conj>;
    power: Rest<typeof mx.power>;
    sum: Rest<typeof mx.sum>;
    mean: Rest<typeof mx.mean>;
    max: Rest<typeof mx.max>;
    min: Rest<typeof mx.min>;
    prod: Rest<typeof mx.prod>;
    all: Rest<typeof mx.all>;
    any: Rest<typeof mx.any>;
    argmax: Rest<typeof mx.argmax>;
    argmin: Rest<typeof mx.argmin>;
    std: Rest<typeof mx.std>;
    variance: Rest<typeof mx.variance>;
    logsumexp: Rest<typeof mx.logsumexp>;
    cumsum: Rest<typeof mx.cumsum>;
    cumprod: Rest<typeof mx.cumprod>;
    cummax: Rest<typeof mx.cummax>;
    cummin: Rest<typeof mx.cummin>;
    logcumsumexp: Rest<typeof mx.logcumsumexp>;
    diag: Rest<typeof mx.diag>;
    diagonal: Rest<typeof mx.diagonal>;
    view: Rest<typeof mx.view>;
    readonly T: array;
    index(...indices: Index[]): array;
    /** `a[indices] = value`, in place (the handle is rebound). Returns `this`. */
    indexPut_(indices: Index | Index[], value: ArrayLike | number): array;
    /** `a.at[indices]`: `.add/.subtract/.multiply/.divide/.maximum/.minimum(v)` return new arrays. */
    at(...indices: (Index | Index[])[]): AtIndexer;
  }
}

const proto = N.NativeArray.prototype;
for (const name of forwarded) {
  proto[name] = function (this: array, ...args: unknown[]) { return (mx as any)[name](this, ...args); };
}
// reshape(2, 3) and transpose(1, 0) accept spread dimensions, as in MLX.
proto.reshape = function (this: array, ...shape: any[]) {
  return mx.reshape(this, Array.isArray(shape[0]) ? shape[0] : shape);
};
proto.transpose = function (this: array, ...axes: any[]) {
  if (axes.length === 0 || axes[0] === undefined) return mx.transpose(this);
  return mx.transpose(this, Array.isArray(axes[0]) ? axes[0] : axes);
};
Object.defineProperty(proto, 'T', { get(this: array) { return mx.transpose(this); } });
proto.index = function (this: array, ...indices: Index[]) { return mx.index(this, ...indices); };
proto.indexPut_ = function (this: array, indices: Index | Index[], value: ArrayLike | number) {
  return mx.indexPut_(this, indices, value);
};
proto.at = function (this: array, ...indices: (Index | Index[])[]) { return mx.at(this, ...indices); };
