// A small command framework over node:util parseArgs: per-command options, generated help, exit codes
// (0 ok, 1 runtime error, 2 usage, 130 interrupted), errors without stacks unless --verbose.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  readonly code = 'MLX_USAGE';
  constructor(message: string, readonly command?: string) { super(message); this.name = 'UsageError'; }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** shown in help as --name <valueName> */
  valueName?: string;
  default?: string | boolean;
  choices?: readonly string[];
  multiple?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream & { isTTY?: boolean } }

export interface CommandContext extends Io {
  positionals: string[];
  values: OptionValues;
  verbose: boolean;
  /** aborted on the first Ctrl-C */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. '<audio> [options]' */
  usage: string;
  description?: string;
  options: Record<string, OptionSpec>;
  positionals: { min: number; max: number };
  examples?: string[];
  run(ctx: CommandContext): Promise<number | void>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show help' },
  verbose: { type: 'boolean', short: 'v', description: 'print stack traces and extra detail' },
};

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const extra = [o.choices ? `one of ${o.choices.join('|')}` : '', o.default !== undefined ? `default ${String(o.default)}` : ''].filter(Boolean).join('; ');
    return [flag, o.description + (extra ? ` (${extra})` : '')];
  });
  const width = Math.max(...rows.map((r) => r[0]!.length), 10) + 2;
  return rows.map(([f, d]) => `  ${f!.padEnd(width)}${d}`);
}

export function commandHelp(c: Command): string {
  return [
    `Usage: mlx ${c.name} ${c.usage}`, '', c.summary + (c.description ? `\n\n${c.description}` : ''), '',
    'Options:', ...optionLines({ ...c.options, ...GLOBAL_OPTIONS }),
    ...(c.examples?.length ? ['', 'Examples:', ...c.examples.map((e) => `  ${e}`)] : []), '',
  ].join('\n');
}

export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `mlx ${version}: machine learning on Node.js (speech, language and vision models, streaming pipelines)`, '',
    'Usage: mlx <command> [options]', '', 'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '', 'Global options:', ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', description: 'print the version' } }),
    '', "Run 'mlx <command> --help' for a command's options.", '',
  ].join('\n');
}

/** Parses a command's arguments; every problem becomes a UsageError. */
export function parseCommandArgs(c: Command, argv: string[]): { positionals: string[]; values: OptionValues } {
  const options = Object.fromEntries(Object.entries({ ...c.options, ...GLOBAL_OPTIONS }).map(([k, o]) =>
    [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), c.name);
  }
  const values = parsed.values as OptionValues;
  for (const [k, o] of Object.entries(c.options)) {
    if (values[k] === undefined && o.default !== undefined) values[k] = o.default;
    const v = values[k];
    if (o.choices && typeof v === 'string' && !o.choices.includes(v)) throw new UsageError(`--${k} must be one of ${o.choices.join(', ')} (got '${v}')`, c.name);
  }
  if (!values.help) {
    const n = parsed.positionals.length;
    if (n < c.positionals.min) throw new UsageError(`missing argument: mlx ${c.name} ${c.usage}`, c.name);
    if (n > c.positionals.max) throw new UsageError(`unexpected argument '${parsed.positionals[c.positionals.max]}'`, c.name);
  }
  return { positionals: parsed.positionals, values };
}

/** A numeric option, checked. */
export function numberOption(values: OptionValues, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be ${opts.int ? 'an integer' : 'a number'} (got '${String(raw)}')`);
  }
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be ≥ ${opts.min} (got ${v})`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be ≤ ${opts.max} (got ${v})`);
  return v;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
