// Dtypes are singletons compared by identity (`x.dtype === mx.float32`).
export type DtypeName =
  | 'bool' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float16' | 'bfloat16' | 'float32' | 'float64' | 'complex64';

/** A category in MLX's dtype hierarchy (`mx.floating`, `mx.integer`, …). */
export class DtypeCategory {
  constructor(readonly name: string, readonly parent?: DtypeCategory) {}
  toString() { return this.name; }
}
export const generic = new DtypeCategory('generic');
export const number = new DtypeCategory('number', generic);
export const inexact = new DtypeCategory('inexact', number);
export const floating = new DtypeCategory('floating', inexact);
export const complexfloating = new DtypeCategory('complexfloating', inexact);
export const integer = new DtypeCategory('integer', number);
export const signedinteger = new DtypeCategory('signedinteger', integer);
export const unsignedinteger = new DtypeCategory('unsignedinteger', integer);

export class Dtype {
  /** @internal index shared with the native engine */
  readonly id: number;
  constructor(id: number, readonly name: DtypeName, readonly size: number, readonly category: DtypeCategory) {
    this.id = id;
  }
  toString() { return `mlx.core.${this.name}`; }
  [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }
}

const boolCat = new DtypeCategory('bool', generic);
export const bool = new Dtype(0, 'bool', 1, boolCat);
export const bool_ = bool;
export const uint8 = new Dtype(1, 'uint8', 1, unsignedinteger);
export const uint16 = new Dtype(2, 'uint16', 2, unsignedinteger);
export const uint32 = new Dtype(3, 'uint32', 4, unsignedinteger);
export const uint64 = new Dtype(4, 'uint64', 8, unsignedinteger);
export const int8 = new Dtype(5, 'int8', 1, signedinteger);
export const int16 = new Dtype(6, 'int16', 2, signedinteger);
export const int32 = new Dtype(7, 'int32', 4, signedinteger);
export const int64 = new Dtype(8, 'int64', 8, signedinteger);
export const float16 = new Dtype(9, 'float16', 2, floating);
export const bfloat16 = new Dtype(10, 'bfloat16', 2, floating);
export const float32 = new Dtype(11, 'float32', 4, floating);
export const float64 = new Dtype(12, 'float64', 8, floating);
export const complex64 = new Dtype(13, 'complex64', 8, complexfloating);

/** All dtypes, indexed by their native id. */
export const dtypes: readonly Dtype[] = [bool, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
  float16, bfloat16, float32, float64, complex64];

function within(c: DtypeCategory | undefined, target: DtypeCategory): boolean {
  for (; c; c = c.parent) if (c === target) return true;
  return false;
}

/** MLX's `issubdtype`: dtype or category `a` is within `b`. */
export function issubdtype(a: Dtype | DtypeCategory, b: Dtype | DtypeCategory): boolean {
  if (a instanceof Dtype && b instanceof Dtype) return a === b;
  if (b instanceof Dtype) return false;
  return within(a instanceof Dtype ? a.category : a, b);
}

export interface FInfo { dtype: Dtype; min: number; max: number; eps: number }
const finfoTable: Partial<Record<DtypeName, [number, number]>> = {
  float16: [65504, 2 ** -10],
  bfloat16: [3.3895313892515355e38, 2 ** -7],
  float32: [3.4028234663852886e38, 2 ** -23],
  float64: [Number.MAX_VALUE, Number.EPSILON],
  complex64: [3.4028234663852886e38, 2 ** -23],
};
export function finfo(dtype: Dtype): FInfo {
  const f = finfoTable[dtype.name];
  if (!f) throw new TypeError(`[finfo] dtype ${dtype.name} is not inexact.`);
  return { dtype: dtype === complex64 ? float32 : dtype, min: -f[0], max: f[0], eps: f[1] };
}

export interface IInfo { dtype: Dtype; min: number | bigint; max: number | bigint }
export function iinfo(dtype: Dtype): IInfo {
  const bits = dtype.size * 8;
  if (issubdtype(dtype, unsignedinteger)) return { dtype, min: 0, max: bits === 64 ? 2n ** 64n - 1n : 2 ** bits - 1 };
  if (issubdtype(dtype, signedinteger)) {
    return bits === 64 ? { dtype, min: -(2n ** 63n), max: 2n ** 63n - 1n } : { dtype, min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
  }
  throw new TypeError(`[iinfo] dtype ${dtype.name} is not an integer type.`);
}
