// @mlx/cli: the `mlx` command, usable as a library for embedding and tests.
export { main, commands, EXIT } from './main.js';
export { UsageError, commandHelp, mainHelp, parseCommandArgs, type Command, type CommandContext, type OptionSpec, type Io } from './cli.js';
export { formatTranscript } from './format.js';
export { systemInfo } from './commands/info.js';
