#!/usr/bin/env node
// Does how the engine allocator gets its large blocks (own mappings vs malloc) change inference speed? Runs the voice
// pipeline's two model calls (Whisper tiny.en on a 5 s question, 16 SmolLM2 tokens) in child processes, alternating
// the native builds given (MLX_NATIVE_PATH; default: this checkout's build alone), and prints medians per build.
//
//   node bench/pipeline/malloc.mjs [--reps 4] [--native a.node --native b.node ...]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '4' }, child: { type: 'boolean' }, native: { type: 'string', multiple: true } } });
if (values.child) {
  const { whisperTranscriber } = await import('@mlx/pipeline');
  const { loadWhisper } = await import('@mlx/whisper');
  const { loadLM } = await import('@mlx/lm');
  const { QUESTIONS, speak } = await import('../../apps/examples/pipeline/speech.mjs');
  const [whisper, lm] = await Promise.all([loadWhisper('whisper-tiny.en'), loadLM('smollm2-135m-instruct')]);
  const t = whisperTranscriber(whisper), audio = speak(QUESTIONS[0]);
  const run = async () => {
    const t0 = performance.now();
    await t.transcribe(audio, { signal: new AbortController().signal, conditionOnPreviousText: false });
    const t1 = performance.now();
    for await (const _ of lm.stream([{ role: 'user', content: QUESTIONS[1] }], { maxTokens: 16, temperature: 0, reuseCache: false })) void _;
    return [t1 - t0, performance.now() - t1];
  };
  await run(); // warm-up
  const r = []; for (let i = 0; i < 3; i++) r.push(await run());
  process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss, runs: r }));
  process.exit(0);
}
const settings = Object.fromEntries((values.native ?? ['']).map((n) => [n || 'this build', n ? { MLX_NATIVE_PATH: n } : {}]));
const res = Object.fromEntries(Object.keys(settings).map((k) => [k, { whisper: [], lm: [], rss: [] }]));
const me = fileURLToPath(import.meta.url);
for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const [name, env] of Object.entries(settings)) {
    const p = spawnSync(process.execPath, [me, '--child'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (p.status !== 0) throw new Error(p.stderr);
    const o = JSON.parse(p.stdout);
    for (const [w, l] of o.runs) { res[name].whisper.push(w); res[name].lm.push(l); }
    res[name].rss.push(o.rss);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| native build | whisper 5 s clip (ms, median) | 16 LM tokens (ms, median) | RSS after (MiB, median) |\n|---|---|---|---|');
for (const [name, r] of Object.entries(res)) console.log(`| ${name} | ${med(r.whisper).toFixed(0)} | ${med(r.lm).toFixed(0)} | ${(med(r.rss) / 2 ** 20).toFixed(0)} |`);
