import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, interval, lastValueFrom, map, Subject, take, toArray, type Observable } from 'rxjs';
import {
  abortable, Conversation, createExclusiveStats, describe as describeOp, downmix, exclusive, FrameFormatError, generate, resample, transcribeStream,
  resampleArray, transcribe, utterances, vad, wavFileSource, type AudioFrame, type ChatMessage, type ReplyEvent, type Utterance,
} from '../src/index.js';
import { bursts, fakeLM, fakeTranscriber, RmsDetector, writeWav } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mlx-pipeline-ops-'));
const hasSox = spawnSync('sox', ['--version']).status === 0;
const framesOf = (x: Float32Array, rate: number, size: number, channels = 1): AudioFrame[] => {
  const out: AudioFrame[] = [];
  for (let i = 0, k = 0; i < x.length; i += size * channels, k++) out.push({ samples: x.slice(i, i + size * channels), sampleRate: rate, channels, timestamp: i / channels / rate, index: k });
  return out;
};
const collect = <T>(o: Observable<T>) => lastValueFrom(o.pipe(toArray()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resample / downmix', () => {
  const sine = (f: number, rate: number, n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));

  it('streams in odd-sized frames with the same result as one shot, and keeps a tone exact', async () => {
    const x = sine(440, 44100, 44100);
    const frames = framesOf(x, 44100, 997);
    const out = await collect(from(frames).pipe(resample(16000)));
    const streamed = Float32Array.from(out.flatMap((f) => [...f.samples]));
    const oneShot = resampleArray(x, 44100, 16000);
    expect(streamed.length).toBe(16000);
    expect(oneShot.length).toBe(16000);
    for (let i = 0; i < streamed.length; i++) expect(streamed[i]).toBeCloseTo(oneShot[i]!, 5);
    // Away from the edges the output is the same tone sampled at 16 kHz (analytic oracle).
    const ideal = sine(440, 16000, 16000);
    let maxErr = 0; for (let i = 200; i < 15800; i++) maxErr = Math.max(maxErr, Math.abs(streamed[i]! - ideal[i]!));
    expect(maxErr).toBeLessThan(5e-3);
    expect(out.at(-1)!.timestamp).toBeCloseTo(out.slice(0, -1).reduce((s, f) => s + f.samples.length, 0) / 16000, 9);
  });

  it('removes content above the new Nyquist frequency', () => {
    const alias = resampleArray(sine(7000, 48000, 48000), 48000, 8000); // 7 kHz cannot exist at 8 kHz
    let e = 0; for (let i = 500; i < 7500; i++) e += alias[i]! ** 2;
    expect(Math.sqrt(e / 7000)).toBeLessThan(0.01);
  });

  it.runIf(hasSox)('agrees with sox on speech-band content', () => {
    const wav = join(dir, 'tones.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '32', '-e', 'floating-point', wav, 'synth', '1', 'sine', '300', 'sine', '1200', 'remix', '1,2', 'vol', '0.4']);
    const x = new Float32Array(new Uint8Array(execFileSync('sox', [wav, '-t', 'f32', '-'])).buffer);
    const ref = new Float32Array(new Uint8Array(execFileSync('sox', [wav, '-t', 'f32', '-r', '16000', '-'])).buffer);
    const ours = resampleArray(x, 48000, 16000);
    expect(ours.length).toBe(ref.length);
    let maxErr = 0; for (let i = 300; i < ref.length - 300; i++) maxErr = Math.max(maxErr, Math.abs(ours[i]! - ref[i]!));
    expect(maxErr).toBeLessThan(1e-2);
  });

  it('downmix averages channels', async () => {
    const st = Float32Array.from([1, 0, 0.5, 0.5, -1, 1]);
    const [f] = await collect(from(framesOf(st, 8000, 3, 2)).pipe(downmix()));
    expect([...f!.samples]).toEqual([0.5, 0.5, 0]);
    expect(f!.channels).toBe(1);
  });
});

describe('vad + utterances', () => {
  const pattern: Array<[number, number]> = [[0.8, 1.0], [1.2, 0.7], [0.05, 0.85], [2.5, 1.0]]; // the 50 ms burst is too short
  const x = bursts(pattern, 16000, 0.5);
  const run = (opts: Parameters<typeof utterances>[0] = {}) =>
    collect(from(framesOf(x, 16000, 320)).pipe(vad({ detector: (r) => new RmsDetector(r) }), utterances(opts)));

  it('cuts one utterance per speech region with start/end times and exact audio', async () => {
    const stats = { emitted: 0, discarded: 0, partials: 0 };
    const us = await run({ stats });
    expect(us.map((u) => u.final)).toEqual([true, true, true]);
    expect(stats).toEqual({ emitted: 3, discarded: 1, partials: 0 });
    const starts = [0.5, 2.3, 5.1]; const ends = [1.3, 3.5, 7.6];
    us.forEach((u, i) => {
      expect(u.index).toBe(i);
      expect(u.start).toBeGreaterThan(starts[i]! - 0.1); expect(u.start).toBeLessThan(starts[i]!);
      expect(u.end).toBeGreaterThan(ends[i]!); expect(u.end).toBeLessThan(ends[i]! + 0.1);
      expect(u.samples.length).toBe(Math.round((u.end - u.start) * 16000));
      const off = Math.round(u.start * 16000);
      for (let k = 0; k < u.samples.length; k += 997) expect(u.samples[k]).toBe(x[off + k]);
    });
  });

  it('splits at maxLengthMs and emits growing partials', async () => {
    const us = await run({ maxLengthMs: 2000, partialEveryMs: 400 });
    const finals = us.filter((u) => u.final);
    expect(finals.map((u) => u.reason)).toEqual(['silence', 'silence', 'max-length', 'silence']);
    for (const u of finals) expect(u.end - u.start).toBeLessThanOrEqual(2.0001);
    expect(finals[3]!.start).toBe(finals[2]!.end); // the cut loses no audio
    const partials = us.filter((u) => !u.final);
    expect(partials.length).toBeGreaterThan(4);
    // every partial is a prefix of the final of its index, except the short burst's, whose index is skipped
    expect(finals.map((u) => u.index)).toEqual([0, 1, 3, 4]);
    for (const p of partials) {
      const f = finals.find((u) => u.index === p.index);
      if (!f) { expect(p.index).toBe(2); continue; }
      expect(p.start).toBe(f.start);
      expect(p.end).toBeLessThanOrEqual(f.end + 0.35); // a partial may include the detector's silence hang-over
    }
  });

  it('closes an utterance that is still open when the stream ends', async () => {
    const open = bursts([[1.0, 0]], 16000, 0.3);
    const us = await collect(from(framesOf(open, 16000, 320)).pipe(vad({ detector: (r) => new RmsDetector(r) }), utterances()));
    expect(us).toHaveLength(1);
    expect(us[0]!.reason).toBe('silence'); // the detector's flush closes it
  });
});

describe('exclusive', () => {
  it('queues in order, runs one job at a time', async () => {
    let running = 0, maxRunning = 0;
    const out = await collect(from([1, 2, 3, 4]).pipe(exclusive(async (v) => {
      running++; maxRunning = Math.max(maxRunning, running); await sleep(5); running--; return v * 10;
    })));
    expect(out).toEqual([10, 20, 30, 40]);
    expect(maxRunning).toBe(1);
  });

  it('latest keeps only the newest waiting value and counts drops; bound drops the oldest', async () => {
    const stats = createExclusiveStats();
    const src = interval(2).pipe(take(20));
    const out = await collect(src.pipe(exclusive(async (v) => { await sleep(15); return v; }, { policy: 'latest', stats })));
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(19);
    expect(stats.dropped + out.length).toBe(20);
    expect(stats.dropped).toBeGreaterThan(5);
    const q = createExclusiveStats();
    const dropped: number[] = [];
    const out2 = await collect(from([0, 1, 2, 3, 4, 5]).pipe(exclusive(async (v) => { await sleep(5); return v; }, { bound: 2, stats: q, onDrop: (v) => dropped.push(v) })));
    expect(out2).toEqual([0, 4, 5]);
    expect(dropped).toEqual([1, 2, 3]);
    expect(q.dropped).toBe(3);
  });

  it('unsubscribing aborts the running job within 100 ms', async () => {
    let abortedAt = 0;
    const sub = from([1]).pipe(exclusive((_v, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => { abortedAt = performance.now(); resolve(0); });
    }))).subscribe();
    await sleep(20);
    const t = performance.now();
    sub.unsubscribe();
    await sleep(100);
    expect(abortedAt).toBeGreaterThan(0);
    expect(abortedAt - t).toBeLessThan(100);
  });

  it('abortable stops an async iterable and aborts its signal', async () => {
    let seenAbort = false, produced = 0;
    const sub = abortable(async function* (signal) {
      signal.addEventListener('abort', () => { seenAbort = true; });
      for (;;) { await sleep(2); produced++; yield produced; }
    }).subscribe();
    await sleep(30);
    sub.unsubscribe();
    const n = produced;
    await sleep(30);
    expect(seenAbort).toBe(true);
    expect(produced - n).toBeLessThanOrEqual(1);
  });
});

const utt = (index: number, final: boolean, seconds: number): Utterance => ({
  index, final, reason: final ? 'silence' : undefined, start: index, end: index + seconds, sampleRate: 16000,
  samples: new Float32Array(Math.round(seconds * 16000)), audioEndArrivedAt: performance.now(), emittedAt: performance.now(),
});

describe('transcribe', () => {
  it('transcribes every final, lets newer events replace waiting partials and aborts a running partial', async () => {
    const log: Array<{ seconds: number; aborted: boolean }> = [];
    const stats = createExclusiveStats();
    const s = new Subject<Utterance>();
    const outP = collect(s.pipe(transcribe(fakeTranscriber(30, log), { stats })));
    s.next(utt(0, false, 0.5)); // starts running
    s.next(utt(0, false, 1.0)); // waits…
    s.next(utt(0, false, 1.5)); // …and replaces it
    s.next(utt(0, true, 2.0)); // replaces the waiting partial and aborts the running one
    s.next(utt(1, true, 1.0));
    s.complete();
    const out = await outP;
    expect(out.map((t) => [t.type, t.utteranceIndex, t.text])).toEqual([['final', 0, 'clip 2.0 s'], ['final', 1, 'clip 1.0 s']]);
    expect(log.map((l) => [l.seconds, l.aborted])).toEqual([[0.5, true], [2, false], [1, false]]);
    expect(stats.dropped).toBe(2);
  });

  it('resamples utterances that are not at 16 kHz', async () => {
    const log: Array<{ seconds: number; aborted: boolean }> = [];
    const u = { ...utt(0, true, 1), sampleRate: 8000, samples: new Float32Array(8000) };
    const [t] = await collect(from([u]).pipe(transcribe(fakeTranscriber(1, log))));
    expect(log[0]!.seconds).toBe(1);
    expect(t!.text).toBe('clip 1.0 s');
  });
});

describe('generate', () => {
  it('conversation memory is bounded in characters too: whole turns go, the newest turn stays', () => {
    const c = new Conversation(undefined, 100, 30);
    const turn = (u: string, a: string) => { c.add('user', u); c.add('assistant', a); };
    turn('0123456789', '0123456789'); // 20 chars
    expect(c.size).toBe(20);
    turn('abcdefghij', 'abcdefghij'); // 40 > 30: the first turn goes
    expect(c.messages().map((m) => m.content)).toEqual(['abcdefghij', 'abcdefghij']);
    expect(c.size).toBe(20);
    turn('x'.repeat(50), 'y'); // one turn larger than the bound: kept alone
    expect(c.messages().map((m) => m.content)).toEqual(['x'.repeat(50), 'y']);
    expect(c.size).toBe(51);
    c.add('user', 'next'); // a new question drops the oversized turn before the reply comes
    expect(c.messages()).toEqual([{ role: 'user', content: 'next' }]);
    c.clear();
    expect(c.size).toBe(0);
    expect(() => new Conversation(undefined, 8, -1)).toThrow(RangeError);
    // 1000 turns of 2 × 100 characters: the default bound (4000) holds the newest 20 turns
    const long = new Conversation(undefined, 1e9);
    for (let i = 0; i < 1000; i++) { long.add('user', 'u'.repeat(100)); long.add('assistant', 'a'.repeat(100)); }
    expect(long.size).toBeLessThanOrEqual(4000);
    expect(long.messages()).toHaveLength(40);
  });

  it('streams a reply per final transcript with memory, system prompt and bounded history', async () => {
    const seen: ChatMessage[][] = [];
    const conversation = new Conversation('be brief', 2);
    const inputs = ['hello there', 'how are you', 'bye'];
    const out = await collect(from(inputs).pipe(generate(fakeLM(1, seen), { conversation })));
    const replies = out.filter((e): e is Extract<ReplyEvent, { type: 'reply' }> => e.type === 'reply');
    expect(replies.map((r) => r.text)).toEqual(['echo: hello there', 'echo: how are you', 'echo: bye']);
    expect(out.filter((e) => e.type === 'token' && e.replyIndex === 0).map((e) => e.text)).toEqual(['echo:', ' hello', ' there']);
    expect(seen[0]).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }]);
    expect(seen[2]).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'how are you' },
      { role: 'assistant', content: 'echo: how are you' }, { role: 'user', content: 'bye' }]);
    for (const r of replies) { expect(r.firstTokenAt).toBeGreaterThanOrEqual(r.startedAt); expect(r.finishReason).toBe('stop'); }
  });

  it('ignores partial and empty transcripts, reports maxTokens as length', async () => {
    const t = (type: 'partial' | 'final', text: string, i: number) => ({ type, text, utteranceIndex: i, start: 0, end: 1, at: 0 });
    const out = await collect(from([t('partial', 'a b', 0), t('final', 'a b c d', 0), t('final', '  ', 1)]).pipe(generate(fakeLM(1), { maxTokens: 2 })));
    const r = out.filter((e) => e.type === 'reply');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ text: 'echo: a', tokens: 2, finishReason: 'length', utteranceIndex: 0 });
  });

  it("'interrupt' aborts the running reply when new input arrives; unsubscribe aborts generation within 100 ms", async () => {
    const aborts: number[] = [];
    const s = new Subject<string>();
    const events: ReplyEvent[] = [];
    const sub = s.pipe(generate(fakeLM(20, [], aborts), { policy: 'interrupt' })).subscribe((e) => events.push(e));
    s.next('one two three four five six');
    await sleep(50);
    s.next('second');
    await sleep(100);
    expect(aborts).toHaveLength(1);
    const done = events.filter((e) => e.type === 'reply');
    expect(done.map((e) => e.text)).toEqual(['echo: second']);
    s.next('a very long request that keeps going on and on');
    await sleep(30);
    const t = performance.now();
    sub.unsubscribe();
    await sleep(100);
    expect(aborts).toHaveLength(2);
    expect(aborts[1]! - t).toBeLessThan(100);
  });
});

describe('describe', () => {
  it('asks the VLM about each image with the prompt and returns its text', async () => {
    const calls: Array<{ images: unknown[]; prompt: string }> = [];
    const vlm = { async generate(req: { images: unknown[]; prompt: string }) { calls.push(req); return { text: `saw ${req.images.length}` }; } };
    const out = await collect(from(['a.png', { image: 'b.png', prompt: 'What colour?' }]).pipe(describeOp(vlm, { prompt: 'Caption:' })));
    expect(out.map((d) => [d.index, d.text, d.prompt])).toEqual([[0, 'saw 1', 'Caption:'], [1, 'saw 1', 'What colour?']]);
    expect(calls[1]!.images).toEqual(['b.png']);
  });
});

describe('wav → vad → utterances → transcribe → generate (fakes)', () => {
  it('runs end to end on a file', async () => {
    const wav = join(dir, 'bursts.wav');
    writeWav(wav, bursts([[0.6, 0.6], [0.9, 0.6]], 16000), 16000);
    const out = await collect(wavFileSource(wav, { pace: 'asap' }).pipe(
      vad({ detector: (r) => new RmsDetector(r) }), utterances(), transcribe(fakeTranscriber(5)), generate(fakeLM(1)), map((e) => e.type === 'reply' ? e.text : null)));
    expect(out.filter(Boolean)).toEqual(['echo: clip 0.7 s', 'echo: clip 1.0 s']);
  });
});

describe('transcribeStream', () => {
  /** A fake streaming transcriber: a final segment per second of audio pushed, a partial every half second. */
  function fakeStreaming() {
    const queue: Array<{ type: 'partial' | 'final'; segment: { start: number; end: number; text: string } }> = [];
    let waiting: (() => void) | undefined, ended = false, pushed = 0, aborted = false;
    const wake = () => { waiting?.(); waiting = undefined; };
    const st = {
      push(pcm: Float32Array) {
        const before = pushed; pushed += pcm.length;
        if (Math.floor(pushed / 8000) > Math.floor(before / 8000)) {
          const sec = pushed / 16000;
          queue.push({ type: Number.isInteger(sec) ? 'final' : 'partial', segment: { start: Math.floor(sec - 0.5), end: sec, text: ` up to ${sec} s ` } });
          wake();
        }
      },
      end() { ended = true; wake(); },
      abort() { aborted = true; ended = true; wake(); },
      get aborted() { return aborted; },
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length) { yield queue.shift()!; continue; }
          if (ended) return;
          await new Promise<void>((r) => { waiting = r; });
        }
      },
    };
    return st;
  }

  it('pushes 16 kHz frames and maps partial/final segments to transcripts', async () => {
    const st = fakeStreaming();
    const x = new Float32Array(16000 * 2);
    const out = await collect(from(framesOf(x, 16000, 320)).pipe(transcribeStream(() => st)));
    expect(out.map((t) => [t.type, t.utteranceIndex, t.text])).toEqual([
      ['partial', 0, 'up to 0.5 s'], ['final', 0, 'up to 1 s'], ['partial', 1, 'up to 1.5 s'], ['final', 1, 'up to 2 s'],
    ]);
  });

  it('rejects frames that are not 16 kHz mono, and aborts the transcriber on unsubscribe', async () => {
    const err = await collect(from(framesOf(new Float32Array(800), 8000, 160)).pipe(transcribeStream(() => fakeStreaming()))).catch((e) => e);
    expect(err).toBeInstanceOf(FrameFormatError);
    expect(err.message).toMatch(/add downmix\(\) and resample\(16000\)/);
    const st = fakeStreaming();
    const sub = interval(5).pipe(map((i) => framesOf(new Float32Array(320), 16000, 320)[0]!), take(1000)).pipe(transcribeStream(() => st)).subscribe();
    await sleep(30);
    sub.unsubscribe();
    expect(st.aborted).toBe(true);
  });
});
