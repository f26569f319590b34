import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSubtitles, formatTimestamp, toSrt, toTxt, toVtt, writeSubtitles } from '../src/subtitles.js';

const result = {
  text: 'Hello world. Second line.',
  language: 'en',
  segments: [
    { start: 0, end: 1.5, text: ' Hello world.', words: [{ word: ' Hello', start: 0, end: 0.6, probability: 0.9 }, { word: ' world.', start: 0.7, end: 1.5, probability: 0.8 }] },
    { start: 3661.25, end: 3663, text: ' Second --> line.' },
  ],
};

describe('subtitles', () => {
  it('formats timestamps (SRT always with hours and a comma; VTT drops zero hours)', () => {
    expect(formatTimestamp(0, ',', true)).toBe('00:00:00,000');
    expect(formatTimestamp(3661.2506, ',', true)).toBe('01:01:01,251');
    expect(formatTimestamp(59.9996)).toBe('01:00.000');
    expect(formatTimestamp(7.5)).toBe('00:07.500');
    expect(() => formatTimestamp(-1)).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
  });

  it('writes SRT', () => {
    expect(toSrt(result)).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nHello world.\n\n' +
      '2\n01:01:01,250 --> 01:01:03,000\nSecond -> line.\n');
  });

  it('writes WebVTT, optionally one cue per word with the word underlined', () => {
    expect(toVtt(result)).toBe('WEBVTT\n\n00:00.000 --> 00:01.500\nHello world.\n\n01:01:01.250 --> 01:01:03.000\nSecond -> line.\n');
    const words = toVtt({ segments: [result.segments[0]!] }, { highlightWords: true });
    expect(words).toBe('WEBVTT\n\n' +
      '00:00.000 --> 00:00.600\n<u>Hello</u> world.\n\n' +
      '00:00.600 --> 00:00.700\nHello world.\n\n' +
      '00:00.700 --> 00:01.500\nHello <u>world.</u>\n');
  });

  it('writes text and JSON; rejects unknown formats', async () => {
    expect(toTxt(result)).toBe('Hello world.\nSecond --> line.\n');
    expect(JSON.parse(formatSubtitles(result, 'json'))).toEqual(result);
    expect(() => formatSubtitles(result, 'doc' as never)).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
    const dir = mkdtempSync(join(tmpdir(), 'subs-'));
    await writeSubtitles(result, join(dir, 'a.srt'));
    expect(readFileSync(join(dir, 'a.srt'), 'utf8')).toBe(toSrt(result));
  });
});
