// @mlx/core: the `mx` namespace. Every op, dtype, constant and namespace is a named export.
export * from './dtype.js';
export * from './errors.js';
export { array, Complex, type ArrayLike, type Scalar, type TypedArray } from './array.js';
export * from './device.js';
export {
  tidy, keep, dispose, getActiveMemory, getPeakMemory, resetPeakMemory, getCacheMemory, setMemoryLimit,
  setCacheLimit, setWiredLimit, clearCache, getWrappersCount, setNumThreads, getNumThreads,
} from './memory.js';
export {
  evalArrays as eval, evalArrays, asyncEval, vjp, jvp, grad, valueAndGrad, vmap, compile, disableCompile, enableCompile,
  customFunction, checkpoint, type CustomFunction, type CustomVjp, type CustomJvp, type CustomVmap,
  type CompileOptions, type CompiledFunction,
} from './transforms.js';
export * as utils from './utils/tree.js';
export * as fft from './fft.js';
export * as fast from './fast.js';
export * as linalg from './linalg.js';
export * from './ops/shape.js';
export * from './ops/matmul.js';
export * from './ops/unary.js';
export * from './ops/binary.js';
export * from './ops/reduce.js';
export * from './ops/creation.js';
export * from './ops/sort.js';
export * from './ops/scan.js';
export * from './ops/manip.js';
export * from './ops/einsum.js';
export * from './ops/conv.js';
export * from './ops/quantized.js';
export * from './ops/int8.js';
export * from './ops/paged-attention.js';
export {
  Slice, index, type Index, take, takeAlongAxis, putAlongAxis, slice, sliceUpdate, indexPut_, at, AtIndexer,
} from './ops/indexing.js';
export * from './constants.js';
export { load, save, savez, saveSafetensors } from './io.js';
export { loadGguf, saveGguf, readGgufHeader, GGML_TYPES, type GgufHeader, type GgufTensorInfo, type GgufValue } from './gguf.js';
export * as random from './random.js';
import './array-methods.js';
export * from './hub/index.js';
