// Typed plugin registries. Plugins add names by declaration merging:
//   declare module '@mlx/pipeline' { interface StageRegistry { shout: { suffix: string } } }
//   registerStage('shout', { schema: z.object({ suffix: z.string() }), create: (o) => map((t) => t + o.suffix) });
import type { Observable, OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { LanguageModel, Transcriber, VisionLanguageModel } from './contracts.js';
import type { WhisperLike } from './operators/transcribe.js';
import { DuplicateRegistrationError } from './errors.js';

/** Options of each stage type, by name. Built-ins are declared in stages.ts; plugins merge more in. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface StageRegistry {}
/** Options of each source type, by name. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SourceRegistry {}

/** What stages may need from their host: model loaders (the CLI wires @mlx/whisper, @mlx/lm, @mlx/vlm). */
export interface PipelineContext {
  loadTranscriber?(nameOrPath: string, opts: { signal: AbortSignal }): Promise<Transcriber | WhisperLike>;
  loadLM?(nameOrPath: string, opts: { signal: AbortSignal }): Promise<LanguageModel>;
  loadVlm?(nameOrPath: string, opts: { signal: AbortSignal }): Promise<VisionLanguageModel>;
  /** counters the stages fill in (drops, utterances…), keyed by stage index and type */
  stats?: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOperator = OperatorFunction<any, any>;

export interface StageDefinition<O> {
  description: string;
  schema: z.ZodType<O, z.ZodTypeDef, unknown>;
  /** may be async (loading a model); the pipeline subscribes upstream only once it resolves */
  create(options: O, ctx: PipelineContext & { signal: AbortSignal; key: string }): AnyOperator | Promise<AnyOperator>;
}
export interface SourceDefinition<O> {
  description: string;
  schema: z.ZodType<O, z.ZodTypeDef, unknown>;
  create(options: O, ctx: PipelineContext): Observable<unknown>;
}

/** A name → definition map that refuses duplicates. */
export class Registry<Defs> {
  private readonly entries = new Map<string, Defs[keyof Defs]>();
  constructor(readonly kind: string) {}
  register<K extends keyof Defs & string>(name: K, def: Defs[K]): void {
    if (this.entries.has(name)) throw new DuplicateRegistrationError(this.kind, name);
    this.entries.set(name, def);
  }
  get(name: string): Defs[keyof Defs] | undefined { return this.entries.get(name); }
  has(name: string): boolean { return this.entries.has(name); }
  names(): string[] { return [...this.entries.keys()].sort(); }
  unregister(name: keyof Defs & string): boolean { return this.entries.delete(name); }
}

export type StageDefinitions = { [K in keyof StageRegistry]: StageDefinition<StageRegistry[K]> };
export type SourceDefinitions = { [K in keyof SourceRegistry]: SourceDefinition<SourceRegistry[K]> };

export const stageRegistry = new Registry<StageDefinitions>('stage');
export const sourceRegistry = new Registry<SourceDefinitions>('source');

export function registerStage<K extends keyof StageRegistry & string>(name: K, def: StageDefinition<StageRegistry[K]>): void {
  stageRegistry.register(name, def as StageDefinitions[K]);
}
export function registerSource<K extends keyof SourceRegistry & string>(name: K, def: SourceDefinition<SourceRegistry[K]>): void {
  sourceRegistry.register(name, def as SourceDefinitions[K]);
}
