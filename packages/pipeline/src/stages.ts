// Built-in stages and sources for declarative pipelines.
import { defer, from, switchMap, type OperatorFunction } from 'rxjs';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { registerSource, registerStage } from './registry.js';
import { downmix, resample } from './operators/audio.js';
import { vad } from './operators/vad.js';
import { utterances } from './operators/utterances.js';
import { transcribe } from './operators/transcribe.js';
import { generate } from './operators/generate.js';
import { describe as describeOp } from './operators/describe.js';
import { createExclusiveStats } from './operators/exclusive.js';
import { wavFileSource } from './sources/wav.js';
import { micSource } from './sources/mic.js';
import { pcmSource } from './sources/pcm.js';
import { MissingModelError } from './errors.js';

const positive = z.number().positive();
const vadSchema = z.object({
  threshold: z.number().optional(), frameMs: positive.optional(), minSpeechMs: z.number().nonnegative().optional(),
  minSilenceMs: z.number().nonnegative().optional(), padMs: z.number().nonnegative().optional(),
}).strict();
const utterancesSchema = z.object({
  maxLengthMs: positive.optional(), minLengthMs: z.number().nonnegative().optional(),
  partialEveryMs: positive.optional(), preRollMs: z.number().nonnegative().optional(),
}).strict();
const transcribeSchema = z.object({
  model: z.string().default('whisper-tiny.en'), language: z.string().optional(),
  task: z.enum(['transcribe', 'translate']).optional(), initialPrompt: z.string().optional(),
  beamSize: z.number().int().positive().optional(), bound: z.number().int().positive().optional(),
}).strict();
const generateSchema = z.object({
  model: z.string().default('smollm2-135m-instruct'), system: z.string().optional(),
  maxHistory: z.number().int().nonnegative().optional(), maxHistoryChars: z.number().int().nonnegative().optional(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().nonnegative().optional(), topP: z.number().gt(0).lte(1).optional(), topK: z.number().int().nonnegative().optional(),
  seed: z.number().int().optional(), repetitionPenalty: z.number().positive().optional(), policy: z.enum(['queue', 'interrupt']).optional(),
}).strict();
const describeSchema = z.object({
  model: z.string(), prompt: z.string().optional(), maxTokens: z.number().int().positive().optional(),
  policy: z.enum(['latest', 'queue']).optional(),
}).strict();
const pace = z.union([z.enum(['realtime', 'asap']), positive]);
const wavSchema = z.object({ path: z.string().min(1), pace: pace.optional(), frameMs: positive.optional() }).strict();
const micSchema = z.object({
  sampleRate: z.number().int().positive().optional(), channels: z.number().int().positive().optional(),
  frameMs: positive.optional(), program: z.enum(['arecord', 'rec', 'sox']).optional(), device: z.string().optional(),
}).strict();
const pcmSchema = z.object({
  path: z.string().default('-'), sampleRate: z.number().int().positive(), channels: z.number().int().positive().default(1),
  encoding: z.enum(['s16le', 'f32le', 's32le', 'u8']).default('s16le'), frameMs: positive.optional(),
}).strict();

declare module './registry.js' {
  interface StageRegistry {
    downmix: Record<string, never>;
    resample: { rate: number };
    vad: z.infer<typeof vadSchema>;
    utterances: z.infer<typeof utterancesSchema>;
    transcribe: z.infer<typeof transcribeSchema>;
    generate: z.infer<typeof generateSchema>;
    describe: z.infer<typeof describeSchema>;
  }
  interface SourceRegistry {
    wav: z.infer<typeof wavSchema>;
    mic: z.infer<typeof micSchema>;
    pcm: z.infer<typeof pcmSchema>;
  }
}

/** A stage whose operator needs a model: loads it on subscription, then pipes upstream through it. */
function withModel<M, I, O>(load: () => Promise<M>, make: (m: M) => OperatorFunction<I, O>): OperatorFunction<I, O> {
  return (source) => defer(() => from(load())).pipe(switchMap((m) => source.pipe(make(m))));
}

let registered = false;
/** Registers the built-in stages and sources (idempotent; called on import of the package). */
export function registerBuiltins(): void {
  if (registered) return;
  registered = true;
  registerStage('downmix', { description: 'mix all channels into one', schema: z.object({}).strict() as z.ZodType<Record<string, never>>, create: () => downmix() });
  registerStage('resample', { description: 'resample to { rate } Hz', schema: z.object({ rate: z.number().int().positive() }).strict(), create: (o) => resample(o.rate) });
  registerStage('vad', { description: 'voice-activity detection (energy-based)', schema: vadSchema, create: (o) => vad(o) });
  registerStage('utterances', {
    description: 'cut speech into utterances', schema: utterancesSchema,
    create: (o, ctx) => { const stats = { emitted: 0, discarded: 0, partials: 0 }; if (ctx.stats) ctx.stats[ctx.key] = stats; return utterances({ ...o, stats }); },
  });
  registerStage('transcribe', {
    description: 'speech → text with Whisper', schema: transcribeSchema,
    create: (o, ctx) => {
      if (!ctx.loadTranscriber) throw new MissingModelError('this host has no speech model loader (PipelineContext.loadTranscriber)');
      const stats = createExclusiveStats(); if (ctx.stats) ctx.stats[ctx.key] = stats;
      const { model, beamSize, bound, ...rest } = o;
      return withModel(() => ctx.loadTranscriber!(model, { signal: ctx.signal }), (m) => transcribe(m, { ...rest, bound, stats, decodeOptions: beamSize ? { beamSize } : undefined }));
    },
  });
  registerStage('generate', {
    description: 'text → streamed LLM reply with conversation memory', schema: generateSchema,
    create: (o, ctx) => {
      if (!ctx.loadLM) throw new MissingModelError('this host has no language model loader (PipelineContext.loadLM)');
      const stats = createExclusiveStats(); if (ctx.stats) ctx.stats[ctx.key] = stats;
      const { model, ...rest } = o;
      return withModel(() => ctx.loadLM!(model, { signal: ctx.signal }), (m) => generate(m, { ...rest, stats }));
    },
  });
  registerStage('describe', {
    description: 'image → text with a vision-language model', schema: describeSchema,
    create: (o, ctx) => {
      if (!ctx.loadVlm) throw new MissingModelError('this host has no vision-language model loader (PipelineContext.loadVlm)');
      const { model, ...rest } = o;
      return withModel(() => ctx.loadVlm!(model, { signal: ctx.signal }), (m) => describeOp(m, rest));
    },
  });
  registerSource('wav', { description: 'a WAV file { path, pace: realtime|asap|<speed> }', schema: wavSchema, create: (o) => wavFileSource(o.path, o) });
  registerSource('mic', { description: 'the microphone through arecord/rec/sox', schema: micSchema, create: (o) => micSource(o) });
  registerSource('pcm', {
    description: 'raw PCM from a file or stdin ("-")', schema: pcmSchema,
    create: (o) => pcmSource(o.path === '-' ? process.stdin : createReadStream(o.path), o),
  });
}

