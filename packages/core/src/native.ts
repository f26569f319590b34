// The raw binding, with the typed-error factory installed before any op can throw.
import native from '@mlx/native';
import { errorFromCode } from './errors.js';

native.setErrorFactory(errorFromCode);

/** The native binding (untyped on purpose: @mlx/core is its typed face). */
export const N: any = native;
