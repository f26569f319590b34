// CTranslate2 `model.bin` (faster-whisper layout), parsed with every read bounds-checked. Format (little-endian,
// unaligned): u32 version; (≥2) string spec name, u32 spec revision; u32 variable count; per variable: string name,
// u8 rank, u32 dims[rank], (≥4) u8 dtype + u32 byte count, bytes; (≥3) u32 alias count, (alias, target) strings.
// A string is u16 length (including the trailing NUL) then the bytes.
import { readFileSync } from 'node:fs';
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import type { WeightMap } from './weights.js';

export interface Ct2Variable { name: string; shape: number[]; dtype: number; offset: number; byteLength: number }
export interface Ct2File { version: number; specName: string; specRevision: number; variables: Map<string, Ct2Variable>; aliases: Map<string, string> }

const DTYPE_SIZE: Record<number, number> = { 0: 4, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2 };
const DTYPE_NAME: Record<number, string> = { 0: 'float32', 1: 'int8', 2: 'int16', 3: 'int32', 4: 'float16', 5: 'bfloat16' };

class Reader {
  offset = 0;
  constructor(readonly buf: Uint8Array, readonly file: string) {}
  private view = () => new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) {
      throw new ModelFormatError(this.file, this.offset, `truncated: ${what} needs ${n} bytes, ${this.buf.length - this.offset} left`);
    }
  }
  u8(what: string): number { this.need(1, what); return this.buf[this.offset++]; }
  u16(what: string): number { this.need(2, what); const v = this.view().getUint16(this.offset, true); this.offset += 2; return v; }
  u32(what: string): number { this.need(4, what); const v = this.view().getUint32(this.offset, true); this.offset += 4; return v; }
  str(what: string): string {
    const n = this.u16(`${what} length`);
    if (n === 0) throw new ModelFormatError(this.file, this.offset - 2, `${what}: zero-length string (the NUL is counted)`);
    this.need(n, what);
    if (this.buf[this.offset + n - 1] !== 0) throw new ModelFormatError(this.file, this.offset + n - 1, `${what}: string is not NUL-terminated`);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.offset, n - 1).toString('utf8');
    this.offset += n;
    return s;
  }
}

/** Parses the header and the variable table; tensor bytes are referenced by offset, not copied. */
export function parseCt2(buf: Uint8Array, file = 'model.bin'): Ct2File {
  const r = new Reader(buf, file);
  const version = r.u32('version');
  if (version < 1 || version > 6) throw new ModelFormatError(file, 0, `unsupported CTranslate2 model version ${version} (expected 1..6)`);
  let specName = '';
  let specRevision = 1;
  if (version >= 2) { specName = r.str('spec name'); specRevision = r.u32('spec revision'); }
  const count = r.u32('variable count');
  // Each variable needs at least 8 bytes; a count beyond that is corrupt (and would loop for a long time).
  if (count * 8 > buf.length) throw new ModelFormatError(file, r.offset - 4, `variable count ${count} is larger than the file allows`);
  const variables = new Map<string, Ct2Variable>();
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const name = r.str(`variable ${i} name`);
    const rank = r.u8(`rank of ${name}`);
    if (rank > 8) throw new ModelFormatError(file, r.offset - 1, `rank ${rank} of '${name}' is implausible`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(r.u32(`dimension ${d} of ${name}`));
    const numel = shape.reduce((a, b) => a * b, 1);
    let dtype = 0;
    let byteLength: number;
    if (version >= 4) {
      dtype = r.u8(`dtype of ${name}`);
      if (!(dtype in DTYPE_SIZE)) throw new ModelFormatError(file, r.offset - 1, `unknown dtype id ${dtype} for '${name}'`);
      byteLength = r.u32(`byte count of ${name}`);
      if (byteLength !== numel * DTYPE_SIZE[dtype]) {
        throw new ModelFormatError(file, r.offset - 4, `'${name}' has ${byteLength} bytes but shape [${shape}] of ${DTYPE_NAME[dtype]} needs ${numel * DTYPE_SIZE[dtype]}`);
      }
    } else {
      // Versions < 4 store u8 item size then the data (floats or int8 by size).
      const itemSize = r.u8(`item size of ${name}`);
      dtype = itemSize === 4 ? 0 : itemSize === 2 ? 4 : itemSize === 1 ? 1 : -1;
      if (dtype < 0) throw new ModelFormatError(file, r.offset - 1, `unsupported item size ${itemSize} for '${name}'`);
      byteLength = numel * itemSize;
    }
    r.need(byteLength, `data of '${name}'`);
    if (variables.has(name)) throw new ModelFormatError(file, at, `duplicate variable '${name}'`);
    variables.set(name, { name, shape, dtype, offset: r.offset, byteLength });
    r.offset += byteLength;
  }
  const aliases = new Map<string, string>();
  if (version >= 3) {
    const n = r.u32('alias count');
    if (n * 4 > buf.length - r.offset) throw new ModelFormatError(file, r.offset - 4, `alias count ${n} is larger than the file allows`);
    for (let i = 0; i < n; i++) {
      const at = r.offset;
      const alias = r.str(`alias ${i}`);
      const target = r.str(`alias target ${i}`);
      if (!variables.has(target)) throw new ModelFormatError(file, at, `alias '${alias}' points to unknown variable '${target}'`);
      aliases.set(alias, target);
    }
  }
  if (r.offset !== buf.length) throw new ModelFormatError(file, r.offset, `${buf.length - r.offset} unexpected trailing bytes`);
  return { version, specName, specRevision, variables, aliases };
}

/** A copy of the variable's bytes as an mx.array in its stored dtype. */
export function ct2Array(buf: Uint8Array, v: Ct2Variable): mx.array {
  // A fresh, aligned copy (Buffer#slice would return a view into the file buffer).
  const bytes = Uint8Array.prototype.slice.call(buf, v.offset, v.offset + v.byteLength);
  const shape = v.shape.length ? v.shape : [];
  switch (v.dtype) {
    case 0: return mx.array(new Float32Array(bytes.buffer), mx.float32).reshape(shape);
    case 1: return mx.array(new Int8Array(bytes.buffer), mx.int8).reshape(shape);
    case 2: return mx.array(new Int16Array(bytes.buffer), mx.int16).reshape(shape);
    case 3: return mx.array(new Int32Array(bytes.buffer), mx.int32).reshape(shape);
    case 4: return mx.view(mx.array(new Uint16Array(bytes.buffer), mx.uint16), mx.float16).reshape(shape);
    default: return mx.view(mx.array(new Uint16Array(bytes.buffer), mx.uint16), mx.bfloat16).reshape(shape);
  }
}

function scalarOf(buf: Uint8Array, v: Ct2Variable | undefined): number | undefined {
  if (!v || v.byteLength === 0) return undefined;
  const dv = new DataView(buf.buffer, buf.byteOffset + v.offset, v.byteLength);
  switch (v.dtype) {
    case 0: return dv.getFloat32(0, true);
    case 1: return dv.getInt8(0);
    case 2: return dv.getInt16(0, true);
    case 3: return dv.getInt32(0, true);
    default: return undefined;
  }
}

/**
 * Reads a Whisper `model.bin` into our canonical weight names (see weights.ts). int8 weights with a per-row
 * `<name>_scale` are dequantized (w = q / scale) to float32.
 */
export function loadCt2Whisper(path: string): { weights: WeightMap; encoderHeads?: number; decoderHeads?: number } {
  let buf: Uint8Array;
  try { buf = readFileSync(path); } catch (e) { throw new ModelFormatError(path, 0, `cannot read: ${(e as Error).message}`); }
  const f = parseCt2(buf, path);
  if (f.specName && !/whisper/i.test(f.specName)) throw new ModelFormatError(path, 4, `spec '${f.specName}' is not a Whisper model`);
  const get = (name: string): mx.array | undefined => {
    const v = f.variables.get(name) ?? f.variables.get(f.aliases.get(name) ?? '');
    if (!v) return undefined;
    const a = ct2Array(buf, v);
    if (v.dtype !== 1) return a;
    const sv = f.variables.get(`${name}_scale`);
    if (!sv) throw new ModelFormatError(path, v.offset, `int8 variable '${name}' has no '${name}_scale'`);
    const scale = ct2Array(buf, sv).astype(mx.float32);
    const s = scale.ndim === 0 ? scale : scale.reshape([-1, ...Array(Math.max(0, v.shape.length - 1)).fill(1)]);
    return mx.divide(a.astype(mx.float32), s);
  };
  const need = (name: string): mx.array => {
    const a = get(name);
    if (!a) throw new ModelFormatError(path, 0, `missing variable '${name}'`);
    return a;
  };
  const w: WeightMap = new Map();
  const lin = (dst: string, src: string, bias = true) => {
    w.set(`${dst}.weight`, need(`${src}/weight`));
    if (bias) w.set(`${dst}.bias`, need(`${src}/bias`));
  };
  const ln = (dst: string, src: string) => { w.set(`${dst}.weight`, need(`${src}/gamma`)); w.set(`${dst}.bias`, need(`${src}/beta`)); };
  // Convolutions: CT2 stores [out, in, k] (PyTorch); MLX wants [out, k, in].
  for (const c of ['conv1', 'conv2']) {
    w.set(`encoder.${c}.weight`, mx.transpose(need(`encoder/${c}/weight`), [0, 2, 1]));
    w.set(`encoder.${c}.bias`, need(`encoder/${c}/bias`));
  }
  w.set('encoder.positionalEmbedding', need('encoder/position_encodings/encodings'));
  const countLayers = (prefix: string) => {
    let n = 0;
    while ([...f.variables.keys()].some((k) => k.startsWith(`${prefix}/layer_${n}/`))) n++;
    return n;
  };
  const nEnc = countLayers('encoder');
  for (let i = 0; i < nEnc; i++) {
    const s = `encoder/layer_${i}`, d = `encoder.blocks.${i}`;
    ln(`${d}.attnLn`, `${s}/self_attention/layer_norm`);
    lin(`${d}.attn.qkv`, `${s}/self_attention/linear_0`);
    lin(`${d}.attn.out`, `${s}/self_attention/linear_1`);
    ln(`${d}.mlpLn`, `${s}/ffn/layer_norm`);
    lin(`${d}.mlp1`, `${s}/ffn/linear_0`);
    lin(`${d}.mlp2`, `${s}/ffn/linear_1`);
  }
  ln('encoder.lnPost', 'encoder/layer_norm');
  w.set('decoder.tokenEmbedding.weight', need('decoder/embeddings/weight'));
  w.set('decoder.positionalEmbedding', need('decoder/position_encodings/encodings'));
  const nDec = countLayers('decoder');
  for (let i = 0; i < nDec; i++) {
    const s = `decoder/layer_${i}`, d = `decoder.blocks.${i}`;
    ln(`${d}.attnLn`, `${s}/self_attention/layer_norm`);
    lin(`${d}.attn.qkv`, `${s}/self_attention/linear_0`);
    lin(`${d}.attn.out`, `${s}/self_attention/linear_1`);
    ln(`${d}.crossAttnLn`, `${s}/attention/layer_norm`);
    lin(`${d}.crossAttn.query`, `${s}/attention/linear_0`);
    lin(`${d}.crossAttn.kv`, `${s}/attention/linear_1`);
    lin(`${d}.crossAttn.out`, `${s}/attention/linear_2`);
    ln(`${d}.mlpLn`, `${s}/ffn/layer_norm`);
    lin(`${d}.mlp1`, `${s}/ffn/linear_0`);
    lin(`${d}.mlp2`, `${s}/ffn/linear_1`);
  }
  ln('decoder.ln', 'decoder/layer_norm');
  return {
    weights: w,
    encoderHeads: scalarOf(buf, f.variables.get('encoder/num_heads')),
    decoderHeads: scalarOf(buf, f.variables.get('decoder/num_heads')),
  };
}
