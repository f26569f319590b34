// Typed errors: every failure has a class and a stable `code` (DESIGN.md §5).
export class MlxError extends Error {
  readonly code: string;
  constructor(message: string, code = 'MLX_ERROR') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
export class InvalidArgumentError extends MlxError {
  constructor(message: string) { super(message, 'MLX_INVALID_ARGUMENT'); }
}
export class ShapeError extends MlxError {
  constructor(message: string) { super(message, 'MLX_SHAPE'); }
}
export class DtypeError extends MlxError {
  constructor(message: string) { super(message, 'MLX_DTYPE'); }
}
export class IndexError extends MlxError {
  constructor(message: string) { super(message, 'MLX_INDEX'); }
}
export class OutOfMemoryError extends MlxError {
  constructor(message: string) { super(message, 'MLX_OUT_OF_MEMORY'); }
}
export class DisposedError extends MlxError {
  constructor(message: string) { super(message, 'MLX_DISPOSED'); }
}
export class MalformedFileError extends MlxError {
  constructor(message: string) { super(message, 'MLX_MALFORMED_FILE'); }
}
export class NotImplementedError extends MlxError {
  constructor(message: string) { super(message, 'MLX_NOT_IMPLEMENTED'); }
}
export class CancelledError extends MlxError {
  constructor(message = 'The operation was cancelled.') { super(message, 'MLX_CANCELLED'); }
}
export class InternalError extends MlxError {
  constructor(message: string) { super(message, 'MLX_INTERNAL'); }
}

const byCode: Record<string, new (m: string) => MlxError> = {
  MLX_INVALID_ARGUMENT: InvalidArgumentError,
  MLX_SHAPE: ShapeError,
  MLX_DTYPE: DtypeError,
  MLX_INDEX: IndexError,
  MLX_OUT_OF_MEMORY: OutOfMemoryError,
  MLX_DISPOSED: DisposedError,
  MLX_MALFORMED_FILE: MalformedFileError,
  MLX_NOT_IMPLEMENTED: NotImplementedError,
  MLX_INTERNAL: InternalError,
};

/** Used by the native layer to build the error it throws. */
export function errorFromCode(code: string, message: string): MlxError {
  const C = byCode[code] ?? InternalError;
  return new C(message);
}
