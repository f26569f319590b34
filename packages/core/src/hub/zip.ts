// A small bounds-checked ZIP reader for wheels: reads the central directory, then inflates one
// entry at a time (stored or deflate) straight into a file. ZIP64 sizes/offsets are supported.
import { createWriteStream, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { createInflateRaw } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { DownloadError } from './errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function fail(file: string, what: string, at: number): never {
  throw new DownloadError(`${file}: malformed zip archive: ${what} (at byte ${at}).`, 'archive');
}

function readAt(fd: number, pos: number, len: number, fileSize: number, file: string): Buffer {
  if (pos < 0 || len < 0 || pos + len > fileSize) fail(file, `read of ${len} bytes past the end`, pos);
  const b = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const n = readSync(fd, b, off, len - off, pos + off);
    if (n === 0) fail(file, 'unexpected end of file', pos + off);
    off += n;
  }
  return b;
}

function u64(b: Buffer, at: number, file: string): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(file, '64-bit value too large', at);
  return Number(v);
}

/** Lists the entries of a zip file. Throws DownloadError('archive') on any inconsistency. */
export function listZip(file: string): ZipEntry[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    // End of central directory: 22 bytes + comment (≤ 65535) at the end of the file.
    const tailLen = Math.min(size, 22 + 65535);
    const tail = readAt(fd, size - tailLen, tailLen, size, file);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    if (eocd < 0) fail(file, 'no end-of-central-directory record', size);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // ZIP64 locator sits right before the EOCD record.
      const locAt = size - tailLen + eocd - 20;
      const loc = readAt(fd, locAt, 20, size, file);
      if (loc.readUInt32LE(0) !== 0x07064b50) fail(file, 'missing zip64 locator', locAt);
      const recAt = u64(loc, 8, file);
      const rec = readAt(fd, recAt, 56, size, file);
      if (rec.readUInt32LE(0) !== 0x06064b50) fail(file, 'bad zip64 end record', recAt);
      count = u64(rec, 32, file); cdSize = u64(rec, 40, file); cdOffset = u64(rec, 48, file);
    }
    const cd = readAt(fd, cdOffset, cdSize, size, file);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) fail(file, 'bad central directory entry', cdOffset + p);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      if (p + 46 + nameLen + extraLen + commentLen > cd.length) fail(file, 'central directory entry overruns', cdOffset + p);
      if (flags & 1) fail(file, 'encrypted entries are not supported', cdOffset + p);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      // ZIP64 extra field (id 1): the 0xFFFFFFFF fields appear in order usize, csize, offset.
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = cd.readUInt16LE(e), len = cd.readUInt16LE(e + 2);
        if (e + 4 + len > eEnd) fail(file, 'extra field overruns', cdOffset + e);
        if (id === 1) {
          let q = e + 4;
          const take = () => { if (q + 8 > e + 4 + len) fail(file, 'short zip64 extra field', cdOffset + q); const v = u64(cd, q, file); q += 8; return v; };
          if (usize === 0xffffffff) usize = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
        }
        e += 4 + len;
      }
      if (name.includes('..') || name.startsWith('/') || name.includes('\\')) fail(file, `unsafe entry name ${JSON.stringify(name)}`, cdOffset + p);
      if (method !== 0 && method !== 8) fail(file, `compression method ${method} of ${name} is not supported`, cdOffset + p);
      if (localHeaderOffset + 30 + compressedSize > size) fail(file, `entry ${name} overruns the file`, localHeaderOffset);
      entries.push({ name, method, compressedSize, size: usize, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** Writes one entry's bytes to `dest`, checking the inflated size. */
export async function extractZipEntry(file: string, entry: ZipEntry, dest: string, signal?: AbortSignal): Promise<void> {
  const fd = openSync(file, 'r');
  let dataStart: number;
  try {
    const size = fstatSync(fd).size;
    const h = readAt(fd, entry.localHeaderOffset, 30, size, file);
    if (h.readUInt32LE(0) !== 0x04034b50) fail(file, `bad local header of ${entry.name}`, entry.localHeaderOffset);
    dataStart = entry.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    if (dataStart + entry.compressedSize > size) fail(file, `data of ${entry.name} overruns the file`, dataStart);
  } finally {
    closeSync(fd);
  }
  let written = 0;
  const src = entry.compressedSize === 0
    ? createReadStream(file, { start: 1, end: 0 })
    : createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const out = createWriteStream(dest);
  const count = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      written += chunk.length;
      if (written > entry.size) fail(file, `${entry.name} inflates past its declared size`, dataStart);
      yield chunk;
    }
  };
  try {
    if (entry.method === 8) await pipeline(src, createInflateRaw(), count, out, { signal });
    else await pipeline(src, count, out, { signal });
  } catch (e) {
    if (e instanceof DownloadError || (e as Error).name === 'AbortError') throw e;
    fail(file, `cannot inflate ${entry.name}: ${(e as Error).message}`, dataStart);
  }
  if (written !== entry.size) fail(file, `${entry.name} inflated to ${written} bytes, expected ${entry.size}`, dataStart);
}
