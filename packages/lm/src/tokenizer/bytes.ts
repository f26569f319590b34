// Byte-level helpers: GPT-2's reversible byte → printable character map, and UTF-8 buffers.

/** GPT-2 maps every byte to a printable code point so that BPE works on strings. */
function buildByteMaps(): { byteToChar: string[]; charToByte: Map<string, number> } {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const keep = new Set(printable);
  const byteToChar: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) byteToChar[b] = String.fromCodePoint(keep.has(b) ? b : next++);
  const charToByte = new Map(byteToChar.map((c, b) => [c, b]));
  return { byteToChar, charToByte };
}

export const { byteToChar: BYTE_TO_CHAR, charToByte: CHAR_TO_BYTE } = buildByteMaps();

export const utf8Encoder = new TextEncoder();

/** A growable byte buffer (decode concatenates token bytes without intermediate strings). */
export class ByteSink {
  buf = new Uint8Array(256);
  length = 0;
  push(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      n.set(this.buf.subarray(0, this.length));
      this.buf = n;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  view(): Uint8Array { return this.buf.subarray(0, this.length); }
}
