// Typed pipeline errors with stable codes (DESIGN.md §5).
import { MlxError } from '@mlx/core';

export class PipelineError extends MlxError {
  constructor(message: string, code = 'MLX_PIPELINE') { super(message, code); }
}
/** No capture program is installed; `programs` lists what was looked for. */
export class MissingProgramError extends PipelineError {
  readonly programs: readonly string[];
  constructor(programs: readonly string[], hint = '') {
    super(`none of the programs ${programs.map((p) => `'${p}'`).join(', ')} was found on PATH${hint ? `; ${hint}` : ''}`,
      'MLX_MISSING_PROGRAM');
    this.programs = programs;
  }
}
/** A capture child process failed (non-zero exit, spawn failure). */
export class SourceError extends PipelineError {
  constructor(message: string) { super(message, 'MLX_SOURCE'); }
}
/** A WAV file that cannot be read (file name and byte offset in the message). */
export class WavFormatError extends PipelineError {
  readonly file: string; readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(`${file}: ${what} (at byte ${offset})`, 'MLX_MALFORMED_FILE');
    this.file = file; this.offset = offset;
  }
}
/** Frames that an operator cannot accept (wrong rate, channel count, shape). */
export class FrameFormatError extends PipelineError {
  constructor(message: string) { super(message, 'MLX_FRAME_FORMAT'); }
}
/** Registering a stage or source name that already exists. */
export class DuplicateRegistrationError extends PipelineError {
  constructor(kind: string, name: string) { super(`${kind} '${name}' is already registered`, 'MLX_DUPLICATE_REGISTRATION'); }
}
/** A pipeline definition that does not validate; `issues` are human-readable lines with their paths. */
export class PipelineDefinitionError extends PipelineError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid pipeline definition:\n  ${issues.join('\n  ')}`, 'MLX_PIPELINE_DEFINITION');
    this.issues = issues;
  }
}
/** A model-backed stage whose model or loader is not available. */
export class MissingModelError extends PipelineError {
  constructor(message: string) { super(message, 'MLX_MISSING_MODEL'); }
}
