// Subtitle and transcript writers: SRT, WebVTT (optionally one cue per word with the spoken word underlined), plain
// text and JSON. They take anything shaped like a TranscribeResult.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '@mlx/core';

export interface SubtitleWord { word: string; start: number; end: number; probability?: number }
export interface SubtitleSegment { start: number; end: number; text: string; words?: SubtitleWord[] }
export interface SubtitleSource { text?: string; language?: string; segments: SubtitleSegment[] }
export type SubtitleFormat = 'srt' | 'vtt' | 'txt' | 'json';

export interface SubtitleOptions {
  /** One cue per word, the current word underlined (needs word timestamps). */
  highlightWords?: boolean;
  /** JSON indentation (default 2). */
  indent?: number;
}

/** 3725.5 → "01:02:05,500" (SRT) / "01:02:05.500" (VTT); VTT drops the hours when zero. */
export function formatTimestamp(seconds: number, decimalMarker: ',' | '.' = '.', alwaysIncludeHours = false): string {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new InvalidArgumentError(`[subtitles] Invalid timestamp ${seconds}.`);
  let ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000); ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000); ms -= m * 60_000;
  const s = Math.floor(ms / 1000); ms -= s * 1000;
  const p = (x: number, n = 2) => String(x).padStart(n, '0');
  const hours = alwaysIncludeHours || h > 0 ? `${p(h)}:` : '';
  return `${hours}${p(m)}:${p(s)}${decimalMarker}${p(ms, 3)}`;
}

interface Cue { start: number; end: number; text: string }

// SRT/VTT need the arrow sequence escaped out of the text and no blank lines inside a cue.
const clean = (t: string) => t.trim().replace(/-->/g, '->').replace(/\n\s*\n/g, '\n');

function cues(src: SubtitleSource, opts: SubtitleOptions): Cue[] {
  const out: Cue[] = [];
  for (const seg of src.segments) {
    if (opts.highlightWords && seg.words && seg.words.length) {
      const words = seg.words;
      let last = seg.start;
      words.forEach((w, i) => {
        if (w.start > last) out.push({ start: last, end: w.start, text: clean(words.map((x) => x.word).join('')) });
        const text = words.map((x, j) => (j === i ? x.word.replace(/^(\s*)(.*?)(\s*)$/, '$1<u>$2</u>$3') : x.word)).join('');
        out.push({ start: w.start, end: w.end, text: clean(text) });
        last = w.end;
      });
    } else if (seg.text.trim()) {
      out.push({ start: seg.start, end: seg.end, text: clean(seg.text) });
    }
  }
  return out;
}

export function toSrt(src: SubtitleSource, opts: SubtitleOptions = {}): string {
  return cues(src, opts).map((c, i) =>
    `${i + 1}\n${formatTimestamp(c.start, ',', true)} --> ${formatTimestamp(c.end, ',', true)}\n${c.text}\n`).join('\n');
}

export function toVtt(src: SubtitleSource, opts: SubtitleOptions = {}): string {
  const body = cues(src, opts).map((c) => `${formatTimestamp(c.start)} --> ${formatTimestamp(c.end)}\n${c.text}\n`).join('\n');
  return `WEBVTT\n\n${body}`;
}

export function toTxt(src: SubtitleSource): string {
  return src.segments.map((s) => s.text.trim()).filter((t) => t).join('\n') + '\n';
}

export function toJson(src: SubtitleSource, opts: SubtitleOptions = {}): string {
  return JSON.stringify(src, null, opts.indent ?? 2) + '\n';
}

export function formatSubtitles(src: SubtitleSource, format: SubtitleFormat, opts: SubtitleOptions = {}): string {
  if (!src || !Array.isArray(src.segments)) throw new InvalidArgumentError('[subtitles] Expected an object with a segments array.');
  switch (format) {
    case 'srt': return toSrt(src, opts);
    case 'vtt': return toVtt(src, opts);
    case 'txt': return toTxt(src);
    case 'json': return toJson(src, opts);
    default: throw new InvalidArgumentError(`[subtitles] Unknown format '${String(format)}' (srt, vtt, txt, json).`);
  }
}

/** Writes the transcript to `path` in the given format (default: from the file extension). */
export async function writeSubtitles(src: SubtitleSource, path: string, format?: SubtitleFormat, opts: SubtitleOptions = {}): Promise<void> {
  const fmt = format ?? (path.split('.').pop()?.toLowerCase() as SubtitleFormat);
  await writeFile(path, formatSubtitles(src, fmt, opts), 'utf8');
}
