// Devices and streams, MLX style; `using _ = mx.stream(mx.cpu)` scopes a default stream.
import { N } from './native.js';

export enum DeviceType { cpu = 0, gpu = 1 }

export class Device {
  constructor(readonly type: DeviceType, readonly index = 0) {}
  equals(o: Device) { return o.type === this.type && o.index === this.index; }
  toString() { return `Device(${DeviceType[this.type]}, ${this.index})`; }
}

export class Stream {
  constructor(readonly index: number, readonly device: Device) {}
  equals(o: Stream) { return o.index === this.index; }
  toString() { return `Stream(${this.device}, ${this.index})`; }
}

export type StreamOrDevice = Stream | Device | undefined;

export const cpu = new Device(DeviceType.cpu, 0);
export const gpu = new Device(DeviceType.gpu, 0);

const toStreamObj = (o: { index: number; deviceType: number; deviceIndex: number }) =>
  new Stream(o.index, new Device(o.deviceType, o.deviceIndex));

export function defaultDevice(): Device {
  const d = N.defaultDevice();
  return new Device(d.type, d.index);
}
export function setDefaultDevice(d: Device): void { N.setDefaultDevice(d.type, d.index); }
export function defaultStream(d: Device = defaultDevice()): Stream { return toStreamObj(N.defaultStream(d.type, d.index)); }
export function setDefaultStream(s: Stream): void { N.setDefaultStream(s.index); }
export function newStream(d: Device): Stream { return toStreamObj(N.newStream(d.type, d.index)); }
export function toStream(s: StreamOrDevice): Stream {
  if (s instanceof Stream) return s;
  return defaultStream(s ?? defaultDevice());
}
export function synchronize(s?: Stream): void { N.synchronize(s?.index); }

/** The stream index passed to native ops (undefined means the default stream). */
export function streamArg(s: StreamOrDevice): number | undefined {
  if (s === undefined) return undefined;
  if (s instanceof Stream) return s.index;
  return N.defaultStream(s.type, s.index).index;
}

/**
 * Makes `s` (or the default stream of device `s`) the default until disposed:
 * `using _ = mx.stream(mx.cpu)`.
 */
export function stream(s: Stream | Device): Disposable & { dispose(): void } {
  const prevDevice = defaultDevice();
  const target = s instanceof Stream ? s : defaultStream(s);
  const prevStream = defaultStream(target.device);
  setDefaultDevice(target.device);
  setDefaultStream(target);
  const restore = () => { setDefaultStream(prevStream); setDefaultDevice(prevDevice); };
  return { dispose: restore, [Symbol.dispose]: restore };
}

export const cuda = {
  /** True when the addon was built with CUDA and a GPU is present. */
  isAvailable: (): boolean => N.isAvailable(DeviceType.gpu, 0),
  /**
   * Debug counters of the GPU backend: `fallback:<Primitive>` (GPU ops run by the CPU kernel with
   * migration), `upload_bytes`, `download_bytes`. Empty without CUDA.
   */
  counters: (): Record<string, number> => N.backendCounters(DeviceType.gpu) as Record<string, number>,
  resetCounters: (): void => { if (cuda.isAvailable()) N.setBackendOption(DeviceType.gpu, 'resetCounters', 0); },
  /** float32 matmuls use TF32 tensor cores (faster, ~1e-3 relative error). Default off (env MLX_CUDA_TF32=1 turns it on). */
  setTf32: (on: boolean): void => N.setBackendOption(DeviceType.gpu, 'tf32', on ? 1 : 0),
};

// MLX_DEFAULT_DEVICE=gpu|cpu picks the default device at load (runs the test suite on the GPU).
const envDevice = typeof process !== 'undefined' ? process.env.MLX_DEFAULT_DEVICE : undefined;
if (envDevice === 'gpu') setDefaultDevice(gpu);
else if (envDevice !== undefined && envDevice !== '' && envDevice !== 'cpu')
  throw new Error(`MLX_DEFAULT_DEVICE must be 'cpu' or 'gpu', got '${envDevice}'`);
export const metal = { isAvailable: (): boolean => false };
