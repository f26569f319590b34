import { existsSync } from 'node:fs';
import { Observable } from 'rxjs';
import { stringify as toYaml } from 'yaml';
import {
  buildPipeline, CAPTURE_PROGRAMS, findProgram, LatencyTracker, loadDefinition, micSource, MissingProgramError, validateDefinition,
  voiceAssistant, wavFileSource,
  type AssistantEvent, type AudioFrame, type PipelineDefinition,
} from '@mlx/pipeline';
import { stringOption, UsageError, type Command, type CommandContext } from '../cli.js';
import { loadLM, loadWhisper, pipelineContext } from '../models.js';
import { eventPrinter } from '../printer.js';

function parsePace(v: string | undefined): 'realtime' | 'asap' | number {
  if (v === undefined || v === 'realtime' || v === 'asap') return v ?? 'realtime';
  const n = Number(v);
  if (!(n > 0)) throw new UsageError(`--pace must be realtime, asap or a speed factor > 0 (got '${v}')`, 'pipeline');
  return n;
}

/** The definition `--wav`/`--mic` run, so users can start from it. */
function voiceDefinition(ctx: CommandContext): PipelineDefinition {
  const wav = stringOption(ctx.values, 'wav');
  const system = stringOption(ctx.values, 'system');
  return {
    name: 'voice-assistant',
    source: wav ? { type: 'wav', path: wav, pace: parsePace(stringOption(ctx.values, 'pace')) } : { type: 'mic' },
    stages: [
      { type: 'downmix' }, { type: 'resample', rate: 16000 }, { type: 'vad' }, { type: 'utterances' },
      { type: 'transcribe', model: stringOption(ctx.values, 'asr-model')! },
      ...(ctx.values['no-reply'] ? [] : [{ type: 'generate', model: stringOption(ctx.values, 'lm-model')!, ...(system ? { system } : {}) }]),
    ],
  };
}

async function runObservable(ctx: CommandContext, obs: Observable<unknown>, print: (e: unknown) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sub = obs.subscribe({ next: print, error: reject, complete: resolve });
    ctx.signal.addEventListener('abort', () => { sub.unsubscribe(); resolve(); }, { once: true });
  });
}

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'run a streaming pipeline: a definition file, or the voice assistant on --mic / --wav',
  usage: '<definition.yaml|json> | --mic | --wav <file> [options]',
  description: 'A definition is { source: { type, ... }, stages: [{ type, ... }] } in YAML or JSON. Sources: wav, mic, pcm.\nStages: downmix, resample, vad, utterances, transcribe, generate, describe (and registered plugins).\nWith --mic or --wav, runs speech → VAD → Whisper → LLM and prints latency figures at the end.',
  positionals: { min: 0, max: 1 },
  options: {
    mic: { type: 'boolean', description: 'listen to the microphone (arecord, rec or sox)' },
    wav: { type: 'string', valueName: 'file', description: 'read speech from a WAV file' },
    pace: { type: 'string', valueName: 'pace', description: 'for --wav: realtime, asap or a speed factor', default: 'realtime' },
    'asr-model': { type: 'string', valueName: 'name', description: 'speech model', default: 'whisper-tiny.en' },
    'lm-model': { type: 'string', valueName: 'name', description: 'language model', default: 'smollm2-135m-instruct' },
    system: { type: 'string', valueName: 'text', description: 'system prompt for replies', default: 'You are a helpful AI assistant named SmolLM, trained by Hugging Face. Keep answers short.' },
    'no-reply': { type: 'boolean', description: 'transcribe only' },
    json: { type: 'boolean', description: 'print events as JSON lines' },
    'print-definition': { type: 'boolean', description: 'print the definition as YAML and exit' },
  },
  examples: ['mlx pipeline --wav speech.wav', 'mlx pipeline --mic --lm-model gemma-3-270m-it', 'mlx pipeline my-pipeline.yaml --json'],
  async run(ctx) {
    const file = ctx.positionals[0];
    const modes = [file !== undefined, ctx.values.mic === true, ctx.values.wav !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give exactly one of: a definition file, --mic, --wav <file>', 'pipeline');
    const json = ctx.values.json === true;
    if (file !== undefined) {
      if (!existsSync(file)) throw new UsageError(`no such definition file: ${file}`, 'pipeline');
      const def = await loadDefinition(file);
      if (ctx.values['print-definition']) { ctx.stdout.write(toYaml({ source: { type: def.source.type, ...def.source.options as object }, stages: def.stages.map((s) => ({ type: s.type, ...s.options as object })) })); return; }
      const printer = eventPrinter(ctx, { json });
      await runObservable(ctx, buildPipeline(def, { context: pipelineContext }), printer.print);
      printer.end();
      return;
    }
    const definition = voiceDefinition(ctx);
    if (ctx.values['print-definition']) { validateDefinition(definition); ctx.stdout.write(toYaml(definition)); return; }
    const wav = stringOption(ctx.values, 'wav');
    if (wav && !existsSync(wav)) throw new UsageError(`no such file: ${wav}`, 'pipeline');
    // Say that no capture program exists before spending seconds on loading models.
    if (!wav && !CAPTURE_PROGRAMS.some((p) => findProgram(p))) throw new MissingProgramError(CAPTURE_PROGRAMS, 'install alsa-utils (arecord) or sox');
    // The voice assistant runs the same stages as the definition, through voiceAssistant() for its latency figures.
    const [whisper, lm] = await Promise.all([
      loadWhisper(stringOption(ctx.values, 'asr-model')!, { signal: ctx.signal }),
      ctx.values['no-reply'] ? undefined : loadLM(stringOption(ctx.values, 'lm-model')!, { signal: ctx.signal }),
    ]);
    const source: Observable<AudioFrame> = wav ? wavFileSource(wav, { pace: parsePace(stringOption(ctx.values, 'pace')) }) : micSource();
    const tracker = new LatencyTracker();
    const printer = eventPrinter(ctx, { json });
    if (!json && !wav) ctx.stderr.write('listening… (Ctrl-C to stop)\n');
    try {
      await runObservable(ctx, source.pipe(voiceAssistant({ transcriber: whisper, lm, generate: { system: stringOption(ctx.values, 'system'), maxTokens: 64, temperature: 0, repetitionPenalty: 1.1 } })),
        (e) => { tracker.observe(e as AssistantEvent); printer.print(e); });
    } finally { whisper.dispose(); lm?.dispose?.(); }
    printer.end();
    if (json) ctx.stdout.write(JSON.stringify({ type: 'latency', ...tracker.figures }) + '\n');
    else ctx.stderr.write(`\n${tracker.report()}\n`);
  },
};
