// Live transcription of a WAV played back at real-time pace in 100 ms chunks (as a microphone would deliver it):
// node apps/examples/whisper/streaming.mjs [file.wav] [--fast] (--fast: no pacing)
import { createStreamingTranscriber, loadAudio, loadWhisper } from '@mlx/whisper';
import { runAsScript, spoken } from './common.mjs';

export async function main(args) {
  const w = await loadWhisper(args.model ?? 'whisper-tiny.en');
  try {
    const input = args._[0] ?? spoken('Hello, this is a live transcription test. The weather is nice today. Goodbye for now.');
    const audio = await loadAudio(input);
    const st = createStreamingTranscriber(w, { partialIntervalMs: 1000 });
    const finals = [];
    const printer = (async () => {
      for await (const e of st) {
        if (e.type === 'partial') process.stderr.write(`\r… ${e.segment.text}`);
        else { process.stderr.write('\r'); console.log(`[${e.segment.start.toFixed(2)} → ${e.segment.end.toFixed(2)}] ${e.segment.text}  (latency ${e.latencyMs.toFixed(0)} ms)`); finals.push(e.segment); }
      }
    })();
    const t0 = performance.now();
    for (let i = 0; i < audio.length; i += 1600) {
      st.push(audio.subarray(i, i + 1600));
      if (!args.fast) await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i + 1600) / 16) - performance.now())));
    }
    st.end();
    await printer;
    const s = st.stats();
    console.error(`real-time factor ${s.realTimeFactor.toFixed(2)} (${s.decodeSeconds.toFixed(1)} s decoding for ${s.audioSeconds.toFixed(1)} s audio), ${s.partials} partials, ${s.droppedPartials} skipped`);
    return finals;
  } finally {
    w.dispose();
  }
}
runAsScript(import.meta, main);
