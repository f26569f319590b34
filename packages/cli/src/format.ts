// Output formats for transcripts and small terminal helpers.
import type { TranscribeResultLike } from './models.js';

function clock(seconds: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000), m = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${sep}${String(ms % 1000).padStart(3, '0')}`;
}

export function formatTranscript(r: TranscribeResultLike, format: 'txt' | 'srt' | 'vtt' | 'json'): string {
  switch (format) {
    case 'txt': return r.text.trim() + '\n';
    case 'json': return JSON.stringify(r, null, 2) + '\n';
    case 'srt': return r.segments.map((s, i) => `${i + 1}\n${clock(s.start, ',')} --> ${clock(s.end, ',')}\n${s.text.trim()}\n`).join('\n');
    case 'vtt': return ['WEBVTT', '', ...r.segments.map((s) => `${clock(s.start, '.')} --> ${clock(s.end, '.')}\n${s.text.trim()}\n`)].join('\n');
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0; let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A one-line progress bar that redraws on a TTY and prints sparse lines elsewhere. */
export function progressBar(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
  let lastLine = 0;
  return {
    update(label: string, loaded: number, total: number) {
      const frac = total > 0 ? Math.min(1, loaded / total) : 0;
      const text = `${label} ${formatBytes(loaded)}${total ? ` / ${formatBytes(total)}` : ''}`;
      if (out.isTTY) {
        const width = Math.max(10, Math.min(40, (out.columns ?? 80) - text.length - 10));
        const filled = Math.round(frac * width);
        out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${text}`);
      } else if (performance.now() - lastLine > 1000 || loaded === total) {
        lastLine = performance.now();
        out.write(`${(frac * 100).toFixed(0)}% ${text}\n`);
      }
    },
    done() { if (out.isTTY) out.write('\n'); },
  };
}
