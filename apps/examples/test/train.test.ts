// The training examples: a shortened MLP run learns far above chance, and the PNG writer emits a
// valid PNG (signature, IHDR dimensions, chunk CRCs).
import { describe, expect, it } from 'vitest';
import { crc32, inflateSync } from 'node:zlib';
// @ts-ignore: plain .mjs example modules without type declarations
import { trainMLP } from '../train/mlp.mjs';
// @ts-ignore: plain .mjs example modules without type declarations
import { encodePNG, plotPNG } from '../train/plot.mjs';

describe('training examples', () => {
  it('MLP reaches well above chance on held-out digits in 150 steps', () => {
    const { testAcc, losses } = trainMLP({ nTrain: 6000, nTest: 1000, epochs: 4, steps: 150, log: () => {} });
    expect(losses.length).toBe(150);
    expect(losses.at(-1)).toBeLessThan(losses[0] * 0.5);
    expect(testAcc).toBeGreaterThan(0.7); // chance is 0.1
  });

  it('PNG writer produces a valid PNG', () => {
    const png: Buffer = plotPNG([{ y: [3, 2, 1.5, 1.2, 1.1, 1.05] }, { y: [2.5, 2.2, 2] }], { width: 320, height: 200 });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(8)).toBe(13);
    expect(png.readUInt32BE(16)).toBe(320);
    expect(png.readUInt32BE(20)).toBe(200);
    expect([png[24], png[25]]).toEqual([8, 2]); // 8-bit RGB
    // Walk the chunks: every CRC matches, IDAT inflates to height rows of (1 + 3*width) bytes, IEND last.
    let off = 8, idat: Buffer[] = [], last = '';
    while (off < png.length) {
      const len = png.readUInt32BE(off), type = png.toString('latin1', off + 4, off + 8);
      expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)) >>> 0);
      if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
      last = type;
      off += 12 + len;
    }
    expect(last).toBe('IEND');
    const raw = inflateSync(Buffer.concat(idat));
    expect(raw.length).toBe(200 * (1 + 3 * 320));
    // The plot draws something besides the white background.
    expect(raw.some((b, i) => i % (1 + 3 * 320) !== 0 && b < 200)).toBe(true);
  });

  it('encodePNG round-trips pixel bytes', () => {
    const rgb = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const png: Buffer = encodePNG(3, 2, rgb);
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect([...raw]).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
  });
});
