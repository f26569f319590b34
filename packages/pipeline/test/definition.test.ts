import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, map, toArray } from 'rxjs';
import { z } from 'zod';
import {
  buildPipeline, DuplicateRegistrationError, loadDefinition, parseDefinitionText, PipelineDefinitionError, registerStage,
  Registry, stageRegistry, validateDefinition, type AudioFrame, type StageDefinitions,
} from '../src/index.js';
import { writeWav } from './helpers.js';

declare module '../src/registry.js' {
  interface StageRegistry { gain: { factor: number } }
}

const dir = mkdtempSync(join(tmpdir(), 'mlx-pipeline-def-'));
const wav = join(dir, 'ramp.wav');
writeWav(wav, Float32Array.from({ length: 8000 }, (_, i) => 0.45 * Math.sin((2 * Math.PI * 200 * i) / 8000)), 8000);

describe('registries', () => {
  it('registers a typed plugin stage once; a duplicate throws', () => {
    const def = {
      description: 'multiply samples', schema: z.object({ factor: z.number() }).strict(),
      create: (o: { factor: number }) => map((f: AudioFrame) => ({ ...f, samples: f.samples.map((x) => x * o.factor) })),
    };
    registerStage('gain', def);
    expect(stageRegistry.has('gain')).toBe(true);
    expect(() => registerStage('gain', def)).toThrow(DuplicateRegistrationError);
    expect(() => registerStage('vad', stageRegistry.get('vad') as never)).toThrow(/stage 'vad' is already registered/);
    const local = new Registry<StageDefinitions>('stage');
    local.register('gain', def);
    expect(local.names()).toEqual(['gain']);
  });
});

describe('pipeline definitions', () => {
  it('builds and runs a YAML definition with built-in and plugin stages', async () => {
    const yaml = `
name: louder
source: { type: wav, path: ${JSON.stringify(wav)}, pace: asap, frameMs: 100 }
stages:
  - type: resample
    rate: 16000
  - { type: gain, factor: 2 }
`;
    const obs = buildPipeline(parseDefinitionText(yaml));
    const frames = (await lastValueFrom(obs.pipe(toArray()))) as AudioFrame[];
    const n = frames.reduce((s, f) => s + f.samples.length, 0);
    expect(n).toBe(16000);
    expect(frames[0]!.sampleRate).toBe(16000);
    const peak = Math.max(...frames.flatMap((f) => [...f.samples]));
    expect(peak).toBeGreaterThan(0.89); // 0.45 × 2
    expect(peak).toBeLessThan(0.91);
  });

  it('reports every problem with its path', () => {
    const bad = {
      source: { type: 'wav', pace: 'slow' },
      stages: [{ type: 'resample', rate: 'fast' }, { type: 'vad', threshold: 0.1, treshold: 1 }, { type: 'nope' }, { rate: 1 }],
    };
    let err: PipelineDefinitionError | undefined;
    try { validateDefinition(bad); } catch (e) { err = e as PipelineDefinitionError; }
    expect(err).toBeInstanceOf(PipelineDefinitionError);
    expect(err!.code).toBe('MLX_PIPELINE_DEFINITION');
    expect(err!.issues).toEqual([
      'stages[3].type: type is required',
    ]);
    delete (bad.stages[3] as { rate?: number }).rate; bad.stages.pop();
    try { validateDefinition(bad); } catch (e) { err = e as PipelineDefinitionError; }
    const text = err!.issues.join('\n');
    expect(text).toMatch(/source \(wav\)\.path: Required/);
    expect(text).toMatch(/source \(wav\)\.pace: /);
    expect(text).toMatch(/stages\[0\] \(resample\)\.rate: Expected number, received string/);
    expect(text).toMatch(/stages\[1\] \(vad\): Unrecognized key\(s\) in object: 'treshold'/);
    expect(text).toMatch(/stages\[2\]\.type: unknown stage 'nope' \(known: .*describe.*vad/);
    expect(() => validateDefinition({ source: { type: 'wav', path: 'x' }, stages: [], extra: 1 })).toThrow(/Unrecognized key/);
    expect(() => parseDefinitionText('source: [unclosed', 'p.yaml')).toThrow(/p\.yaml: not valid YAML\/JSON/);
  });

  it('loads from a file; model stages fail clearly without a loader', async () => {
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify({ source: { type: 'wav', path: wav }, stages: [{ type: 'vad' }, { type: 'utterances' }, { type: 'transcribe' }] }));
    const def = await loadDefinition(file);
    expect(def.stages[2]).toMatchObject({ type: 'transcribe', options: { model: 'whisper-tiny.en' } });
    await expect(lastValueFrom(buildPipeline(def))).rejects.toThrow(/no speech model loader/);
  });

  it('loads models through the context and aborts loading on unsubscribe', async () => {
    let aborted = false;
    const obs = buildPipeline({ source: { type: 'wav', path: wav }, stages: [{ type: 'generate', model: 'm' }] }, {
      context: {
        loadLM: (_name, { signal }) => new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); });
        }),
      },
    });
    const sub = obs.subscribe({ error: () => {} });
    await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    expect(aborted).toBe(true);
  });
});
