// Declarative pipelines: { source: { type, ... }, stages: [{ type, ... }, ...] } in JSON or YAML, validated with zod
// against the registered stage and source schemas, built into an Observable.
import { readFile } from 'node:fs/promises';
import { defer, from, Observable, switchMap, type OperatorFunction } from 'rxjs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PipelineDefinitionError } from './errors.js';
import { sourceRegistry, stageRegistry, type PipelineContext, type Registry, type SourceDefinitions, type StageDefinitions } from './registry.js';
import { registerBuiltins } from './stages.js';

const stepSchema = z.object({ type: z.string({ required_error: 'type is required' }).min(1) }).passthrough();
const definitionSchema = z.object({
  name: z.string().optional(),
  source: stepSchema,
  stages: z.array(stepSchema).default([]),
}).strict();

export interface PipelineStep { type: string; [option: string]: unknown }
export interface PipelineDefinition { name?: string; source: PipelineStep; stages: PipelineStep[] }
/** A definition whose every step passed its own schema (defaults filled in). */
const VALIDATED = Symbol('mlx.pipeline.validated');
export interface ValidatedDefinition { readonly [VALIDATED]: true; name?: string; source: { type: string; options: unknown }; stages: Array<{ type: string; options: unknown }> }

export interface BuildOptions {
  stages?: Registry<StageDefinitions>;
  sources?: Registry<SourceDefinitions>;
  context?: PipelineContext;
}

function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}
function zodIssues(err: z.ZodError, prefix: string): string[] {
  return err.issues.map((i) => {
    const path = formatPath(i.path);
    const where = prefix && path ? `${prefix}.${path}` : prefix || path || '(root)';
    return `${where}: ${i.message}`;
  });
}

/** Parses JSON or YAML text (YAML is a superset of JSON). */
export function parseDefinitionText(text: string, fileName = '<definition>'): unknown {
  try { return parseYaml(text); } catch (e) {
    throw new PipelineDefinitionError([`${fileName}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`]);
  }
}

/** Validates the shape, each step's type against the registries and its options against the step's schema. */
export function validateDefinition(input: unknown, opts: BuildOptions = {}): ValidatedDefinition {
  registerBuiltins();
  const stages = opts.stages ?? stageRegistry, sources = opts.sources ?? sourceRegistry;
  const top = definitionSchema.safeParse(input);
  if (!top.success) throw new PipelineDefinitionError(zodIssues(top.error, ''));
  const issues: string[] = [];
  const check = <D extends { schema: z.ZodTypeAny }>(step: PipelineStep, where: string, reg: { get(n: string): D | undefined; names(): string[] }, kind: string) => {
    const def = reg.get(step.type);
    if (!def) { issues.push(`${where}.type: unknown ${kind} '${step.type}' (known: ${reg.names().join(', ')})`); return undefined; }
    const { type: _t, ...options } = step;
    const r = def.schema.safeParse(options);
    if (!r.success) { issues.push(...zodIssues(r.error, `${where} (${step.type})`)); return undefined; }
    return r.data as unknown;
  };
  const source = { type: top.data.source.type, options: check(top.data.source as PipelineStep, 'source', sources, 'source') };
  const steps = top.data.stages.map((s, i) => ({ type: s.type, options: check(s as PipelineStep, `stages[${i}]`, stages, 'stage') }));
  if (issues.length) throw new PipelineDefinitionError(issues);
  return { [VALIDATED]: true, name: top.data.name, source, stages: steps };
}

/** Reads, parses and validates a definition file. */
export async function loadDefinition(path: string, opts: BuildOptions = {}): Promise<ValidatedDefinition> {
  return validateDefinition(parseDefinitionText(await readFile(path, 'utf8'), path), opts);
}

/**
 * Builds the Observable. Nothing runs until it is subscribed; async stages (model loading) resolve first, then the
 * source starts. Unsubscribing aborts model loading and every running job.
 */
export function buildPipeline(definition: unknown, opts: BuildOptions = {}): Observable<unknown> {
  const def = (definition as ValidatedDefinition)?.[VALIDATED] ? (definition as ValidatedDefinition) : validateDefinition(definition, opts);
  const stages = opts.stages ?? stageRegistry, sources = opts.sources ?? sourceRegistry;
  const context = opts.context ?? {};
  return new Observable<unknown>((subscriber) => {
    const controller = new AbortController();
    const built = defer(() => from(Promise.all(def.stages.map((s, i) =>
      stages.get(s.type)!.create(s.options as never, { ...context, signal: controller.signal, key: `${i}:${s.type}` }))))).pipe(
      switchMap((ops: Array<OperatorFunction<unknown, unknown>>) => {
        const source = sources.get(def.source.type)!.create(def.source.options as never, context) as Observable<unknown>;
        return ops.reduce((obs, op) => obs.pipe(op), source);
      }),
    );
    const sub = built.subscribe(subscriber);
    return () => { controller.abort(); sub.unsubscribe(); };
  });
}
