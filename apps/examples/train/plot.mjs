// A dependency-free loss-curve plotter: rasterises polylines onto an RGB buffer with axes, grid and
// numeric tick labels (a 3×5 pixel font), and encodes it as a PNG (zlib deflate + crc32 from node:zlib).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

/** Encodes an RGB8 buffer (width*height*3 bytes, row-major) as PNG bytes. */
export function encodePNG(width, height, rgb) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression, filter, interlace: all 0
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// 3×5 glyphs, one row per 3 bits (MSB left).
const FONT = {
  0: [7, 5, 5, 5, 7], 1: [2, 6, 2, 2, 7], 2: [7, 1, 7, 4, 7], 3: [7, 1, 7, 1, 7], 4: [5, 5, 7, 1, 1],
  5: [7, 4, 7, 1, 7], 6: [7, 4, 7, 5, 7], 7: [7, 1, 1, 1, 1], 8: [7, 5, 7, 5, 7], 9: [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0], e: [0, 7, 7, 4, 7], ' ': [0, 0, 0, 0, 0],
};

class Canvas {
  constructor(w, h) { this.w = w; this.h = h; this.px = new Uint8Array(w * h * 3).fill(255); }
  set(x, y, c) {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (y * this.w + x) * 3;
    this.px[i] = c[0]; this.px[i + 1] = c[1]; this.px[i + 2] = c[2];
  }
  line(x0, y0, x1, y1, c, thick = 1) {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / n, y = y0 + ((y1 - y0) * k) / n;
      for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) this.set(x + dx - (thick >> 1), y + dy - (thick >> 1), c);
    }
  }
  text(x, y, s, c, scale = 2) {
    for (const ch of String(s)) {
      const g = FONT[ch] ?? FONT[' '];
      g.forEach((row, r) => {
        for (let b = 0; b < 3; b++) if (row & (4 >> b)) for (let i = 0; i < scale; i++) for (let j = 0; j < scale; j++) this.set(x + b * scale + i, y + r * scale + j, c);
      });
      x += 4 * scale;
    }
  }
}

const label = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));
const COLORS = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189]];

/**
 * Plots series ([{ y: number[], x?: number[] }]) and returns PNG bytes; x defaults to the index.
 * Y range is the data range (padded 5%); ticks are labelled at 5 levels on each axis.
 */
export function plotPNG(series, { width = 640, height = 400 } = {}) {
  const cv = new Canvas(width, height);
  const L = 70, R = 20, T = 20, B = 40;
  const pts = series.map((s) => s.y.map((y, i) => [s.x ? s.x[i] : i, y]).filter(([, y]) => Number.isFinite(y)));
  const all = pts.flat();
  let [xmin, xmax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [ymin, ymax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (xmax === xmin) xmax = xmin + 1;
  if (ymax === ymin) ymax = ymin + 1;
  const pad = (ymax - ymin) * 0.05;
  ymin -= pad; ymax += pad;
  const X = (x) => L + ((x - xmin) / (xmax - xmin)) * (width - L - R);
  const Y = (y) => height - B - ((y - ymin) / (ymax - ymin)) * (height - T - B);
  const grid = [225, 225, 225], ink = [0, 0, 0];
  for (let k = 0; k <= 4; k++) {
    const yv = ymin + ((ymax - ymin) * k) / 4, xv = xmin + ((xmax - xmin) * k) / 4;
    cv.line(L, Y(yv), width - R, Y(yv), grid);
    cv.line(X(xv), T, X(xv), height - B, grid);
    const ys = label(yv);
    cv.text(L - 6 - ys.length * 8, Y(yv) - 5, ys, ink);
    const xs = xmax - xmin >= 10 ? xv.toFixed(0) : label(xv);
    cv.text(X(xv) - (xs.length * 8) / 2, height - B + 8, xs, ink);
  }
  cv.line(L, T, L, height - B, ink, 2);
  cv.line(L, height - B, width - R, height - B, ink, 2);
  pts.forEach((p, si) => {
    const c = COLORS[si % COLORS.length];
    for (let i = 1; i < p.length; i++) cv.line(X(p[i - 1][0]), Y(p[i - 1][1]), X(p[i][0]), Y(p[i][1]), c, 2);
  });
  return encodePNG(width, height, cv.px);
}

/** Writes plotPNG(series) to path (creating its folder). */
export function savePlot(path, series, opts) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, plotPNG(series, opts));
  return path;
}

/** Exponential moving average, for a readable curve from noisy per-step losses. */
export function smooth(ys, beta = 0.9) {
  let m = ys[0] ?? 0;
  return ys.map((y) => (m = beta * m + (1 - beta) * y));
}
