export const e = Math.E;
export const pi = Math.PI;
export const inf = Infinity;
export const nan = NaN;
export const newaxis = null;
export const euler_gamma = 0.5772156649015329;
