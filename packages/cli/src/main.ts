// Entry: dispatches to a command. Adding one (e.g. `serve`) is a new file in commands/ and a line here.
import { MlxError } from '@mlx/core';
import { commandHelp, mainHelp, parseCommandArgs, UsageError, type Command, type Io } from './cli.js';
import { chatCommand } from './commands/chat.js';
import { describeCommand } from './commands/describe.js';
import { generateCommand } from './commands/generate.js';
import { infoCommand } from './commands/info.js';
import { pipelineCommand } from './commands/pipeline.js';
import { pullCommand } from './commands/pull.js';
import { serveCommand } from './commands/serve.js';
import { transcribeCommand } from './commands/transcribe.js';
import { VERSION } from './version.js';

export const commands: Command[] = [transcribeCommand, generateCommand, chatCommand, describeCommand, pipelineCommand, serveCommand, pullCommand, infoCommand];

export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, signal?: AbortSignal): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const [name, ...rest] = argv;
  let current: Command | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
      io.stdout.write(target ? commandHelp(target) : mainHelp(commands, VERSION));
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version') { io.stdout.write(`${VERSION}\n`); return EXIT.ok; }
    const command = commands.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(name.startsWith('-') ? `unknown option '${name}' (a command comes first)` : `unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}`);
    }
    current = command;
    const { positionals, values } = parseCommandArgs(command, rest);
    if (values.help) { io.stdout.write(commandHelp(command)); return EXIT.ok; }
    const code = await command.run({ ...io, positionals, values, verbose, signal: signal ?? new AbortController().signal });
    return signal?.aborted ? EXIT.interrupted : code ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      const cmd = e.command ?? current?.name;
      io.stderr.write(`mlx: ${e.message}\n${cmd ? `Run 'mlx ${cmd} --help' for usage.` : "Run 'mlx --help' for usage."}\n`);
      return EXIT.usage;
    }
    if (signal?.aborted) { io.stderr.write('mlx: interrupted\n'); return EXIT.interrupted; }
    const err = e as Error & { code?: string };
    const code = e instanceof MlxError || typeof err.code === 'string' ? ` [${err.code}]` : '';
    io.stderr.write(verbose ? `mlx: ${err.stack ?? String(e)}${code}\n` : `mlx: error: ${err.message ?? String(e)}${code}\n${"(run with --verbose for details)"}\n`);
    return EXIT.error;
  }
}
