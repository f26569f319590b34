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
