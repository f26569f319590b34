// Every mlx.nn activation, as a function and as a Module class (same formulas as MLX).
import * as mx from '@mlx/core';
import { Module } from '../module.js';

type A = mx.array;

export const sigmoid = (x: A): A => mx.sigmoid(x);
export const relu = (x: A): A => mx.maximum(x, 0);
export const relu2 = (x: A): A => mx.square(mx.maximum(x, 0));
export const relu6 = (x: A): A => mx.minimum(mx.maximum(x, 0), 6.0);
export const leakyRelu = (x: A, negativeSlope = 0.01): A => mx.maximum(mx.multiply(negativeSlope, x), x);
export function logSoftmax(x: A, axis = -1): A {
  const y = mx.subtract(x, mx.stopGradient(mx.max(x, axis, true)));
  return mx.subtract(y, mx.logsumexp(y, axis, true));
}
export const elu = (x: A, alpha = 1.0): A => mx.where(mx.greater(x, 0), x, mx.multiply(alpha, mx.subtract(mx.exp(x), 1)));
export const softmax = (x: A, axis = -1): A => mx.softmax(x, axis);
export const softplus = (x: A): A => mx.logaddexp(x, 0);
export const softsign = (x: A): A => mx.divide(x, mx.add(1, mx.abs(x)));
export const softshrink = (x: A, lambd = 0.5): A =>
  mx.where(mx.greater(mx.abs(x), lambd), mx.subtract(x, mx.multiply(mx.sign(x), lambd)), 0);
export const softShrink = softshrink;
export const celu = (x: A, alpha = 1.0): A =>
  mx.add(mx.maximum(x, 0.0), mx.multiply(alpha, mx.subtract(mx.exp(mx.divide(mx.minimum(x, 0.0), alpha)), 1)));
export const silu = (x: A): A => mx.multiply(x, mx.sigmoid(x));
export const logSigmoid = (x: A): A => mx.negative(softplus(mx.negative(x)));
export const gelu = (x: A): A => mx.divide(mx.multiply(x, mx.add(1, mx.erf(mx.divide(x, Math.SQRT2)))), 2);
export const geluApprox = (x: A): A =>
  mx.multiply(mx.multiply(0.5, x), mx.add(1, mx.tanh(mx.multiply(Math.sqrt(2 / Math.PI), mx.add(x, mx.multiply(0.044715, mx.power(x, 3)))))));
export const geluFastApprox = (x: A): A => mx.multiply(x, mx.sigmoid(mx.multiply(1.702, x)));
export function glu(x: A, axis = -1): A {
  const [a, b] = mx.split(x, 2, axis);
  return mx.multiply(a, mx.sigmoid(b));
}
/** int32 result, as MLX's where(x >= t, 1, 0) with Python ints. */
export const step = (x: A, threshold = 0.0): A =>
  mx.where(mx.greaterEqual(x, threshold), mx.array(1, mx.int32), mx.array(0, mx.int32));
export const selu = (x: A): A => mx.multiply(elu(x, 1.67326), 1.0507);
export const prelu = (x: A, alpha: A): A => mx.add(mx.maximum(0, x), mx.multiply(alpha, mx.minimum(0, x)));
export const mish = (x: A): A => mx.multiply(x, mx.tanh(softplus(x)));
export const hardswish = (x: A): A => mx.divide(mx.multiply(x, mx.minimum(mx.maximum(mx.add(x, 3), 0), 6)), 6);
export const hardTanh = (x: A, minVal = -1.0, maxVal = 1.0): A => mx.minimum(mx.maximum(x, minVal), maxVal);
export const hardShrink = (x: A, lambd = 0.5): A => mx.where(mx.greater(mx.abs(x), lambd), x, 0);
export const softmin = (x: A, axis = -1): A => mx.softmax(mx.negative(x), axis);
export const tanh = (x: A): A => mx.tanh(x);

/** Base of the parameter-free activation modules. */
abstract class Act extends Module {
  abstract override forward(x: A): A;
}
/** An activation module that applies a fixed function. */
class FnAct extends Act {
  private _f: (x: A) => A;
  constructor(f: (x: A) => A) { super(); this._f = f; }
  forward(x: A): A { return this._f(x); }
}

export class Sigmoid extends FnAct { constructor() { super(sigmoid); } }
export class Mish extends FnAct { constructor() { super(mish); } }
export class ReLU extends FnAct { constructor() { super(relu); } }
export class ReLU2 extends FnAct { constructor() { super(relu2); } }
export class ReLU6 extends FnAct { constructor() { super(relu6); } }
export class Softplus extends FnAct { constructor() { super(softplus); } }
export class Softsign extends FnAct { constructor() { super(softsign); } }
export class SiLU extends FnAct { constructor() { super(silu); } }
export class LogSigmoid extends FnAct { constructor() { super(logSigmoid); } }
export class Tanh extends FnAct { constructor() { super(tanh); } }
export class Hardswish extends FnAct { constructor() { super(hardswish); } }
export class SELU extends FnAct { constructor() { super(selu); } }
export class HardTanh extends FnAct { constructor() { super((x: A) => hardTanh(x)); } }

export class Softmax extends Act { constructor(public axis = -1) { super(); } forward(x: A): A { return softmax(x, this.axis); } }
export class LogSoftmax extends Act { constructor(public axis = -1) { super(); } forward(x: A): A { return logSoftmax(x, this.axis); } }
export class Softmin extends Act { constructor(public axis = -1) { super(); } forward(x: A): A { return softmin(x, this.axis); } }
export class GLU extends Act { constructor(public axis = -1) { super(); } forward(x: A): A { return glu(x, this.axis); } }
export class LeakyReLU extends Act {
  constructor(private _negativeSlope = 1e-2) { super(); }
  forward(x: A): A { return leakyRelu(x, this._negativeSlope); }
}
export class ELU extends Act { constructor(private _alpha = 1.0) { super(); } forward(x: A): A { return elu(x, this._alpha); } }
export class CELU extends Act { constructor(private _alpha = 1.0) { super(); } forward(x: A): A { return celu(x, this._alpha); } }
export class Softshrink extends Act { constructor(public lambd = 0.5) { super(); } forward(x: A): A { return softshrink(x, this.lambd); } }
export class HardShrink extends Act { constructor(public lambd = 0.5) { super(); } forward(x: A): A { return hardShrink(x, this.lambd); } }
export class Step extends Act { constructor(public threshold = 0.0) { super(); } forward(x: A): A { return step(x, this.threshold); } }

export class PReLU extends Module {
  weight: A;
  constructor(numParameters = 1, init = 0.25) {
    super();
    this.weight = mx.full([numParameters], init);
  }
  forward(x: A): A { return prelu(x, this.weight); }
}

export class GELU extends Module {
  private _approx: string;
  constructor(approx: 'none' | 'precise' | 'tanh' | 'fast' = 'none') {
    super();
    const allowed = ['none', 'precise', 'tanh', 'fast'];
    if (!allowed.includes(approx)) {
      throw new mx.InvalidArgumentError(`The approximation should be in ${JSON.stringify(allowed)} but '${approx}' was given`);
    }
    this._approx = approx;
  }
  forward(x: A): A {
    if (this._approx === 'none') return gelu(x);
    if (this._approx === 'precise' || this._approx === 'tanh') return geluApprox(x);
    return geluFastApprox(x);
  }
}
