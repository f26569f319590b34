import { describe, expect, it } from 'vitest';
import { createStreamingTranscriber, type StreamingEvent } from '../src/streaming.js';
import { loadAudio } from '../src/load.js';
import { wordErrorRate } from '../src/wer.js';
import { concatClips, haveEspeak, haveTinyEn, sentences, synth, tinyEn } from './real-model.js';
import { EOT, fakeWhisper, logitsWith, sampledStart } from './fake-whisper.js';

const SR = 16000;
const tone = (seconds: number) => Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => 0.3 * Math.sin(i * 0.07) * (1 + 0.5 * Math.sin(i * 0.003)));
const silence = (seconds: number) => new Float32Array(Math.round(seconds * SR));

async function collect(it: AsyncIterable<StreamingEvent>): Promise<StreamingEvent[]> {
  const out: StreamingEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('streaming transcriber (scripted model)', () => {
  const w = () => fakeWhisper((h) => logitsWith({ [h.length - sampledStart(h) < 2 ? 7 : EOT]: 5 }));

  it('one final per utterance, with VAD times; nothing for silence', async () => {
    const st = createStreamingTranscriber(w(), { partialIntervalMs: 0 });
    const done = collect(st);
    for (const part of [silence(1), tone(1.5), silence(1.5), tone(1), silence(1)]) {
      for (let i = 0; i < part.length; i += 1600) st.push(part.subarray(i, i + 1600));
    }
    st.end();
    const events = await done;
    expect(events.map((e) => e.type)).toEqual(['final', 'final']);
    expect(events[0]!.segment.text).toBe('w7 w7');
    expect(events[0]!.segment.start).toBeCloseTo(1 - 0.2, 1);
    expect(events[1]!.segment.start).toBeCloseTo(4 - 0.2, 1);
    expect(events[0]!.segment.end).toBeLessThan(events[1]!.segment.start);
    expect(st.stats().finals).toBe(2);
  });

  it('emits partials while an utterance grows when decoding keeps up', async () => {
    const st = createStreamingTranscriber(w(), { partialIntervalMs: 500 });
    const done = collect(st);
    const x = tone(3);
    for (let i = 0; i < x.length; i += 1600) { st.push(x.subarray(i, i + 1600)); await new Promise((r) => setTimeout(r, 5)); }
    st.push(silence(1));
    st.end();
    const events = await done;
    expect(events.filter((e) => e.type === 'partial').length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)!.type).toBe('final');
  });

  it('abort ends iteration with CancelledError; bad input is a typed error', async () => {
    const st = createStreamingTranscriber(w());
    const done = collect(st);
    st.push(tone(1));
    st.abort();
    await expect(done).rejects.toMatchObject({ code: 'MLX_CANCELLED' });
    expect(() => st.push(new Float32Array(10))).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
    expect(() => createStreamingTranscriber(w()).push([0.1] as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
  });
});

describe.skipIf(!haveTinyEn || !haveEspeak)('streaming transcriber (real tiny.en)', () => {
  it('transcribes three spoken sentences as three finals', async () => {
    const wModel = await tinyEn();
    const picked = sentences.slice(5, 8);  // no numerals ("seven" vs "7" is a normaliser question)
    const clips = [];
    for (const s of picked) clips.push(await loadAudio(synth(s)));
    const audio = concatClips([new Float32Array(SR / 2), ...clips], 1.2);
    const st = createStreamingTranscriber(wModel, { partialIntervalMs: 0 });
    const done = collect(st);
    for (let i = 0; i < audio.length; i += 1600) st.push(audio.subarray(i, i + 1600));
    st.end();
    const finals = (await done).filter((e) => e.type === 'final');
    expect(finals.length).toBe(3);
    expect(wordErrorRate(picked.join(' '), finals.map((e) => e.segment.text).join(' '))).toBeLessThanOrEqual(0.1);
    for (let i = 1; i < finals.length; i++) expect(finals[i]!.segment.start).toBeGreaterThan(finals[i - 1]!.segment.end);
  }, 60_000);
});
