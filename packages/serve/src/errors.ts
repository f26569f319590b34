// Typed errors of @mlx/serve. Each has a stable `code` and maps onto an HTTP status and an OpenAI error `type`.
export class ServeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  constructor(message: string, code: string, status: number, type: string, param: string | null = null) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.type = type;
    this.param = param;
  }
  toBody(): { error: { message: string; type: string; code: string; param: string | null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}
/** The request body or its fields are malformed. */
export class InvalidRequestError extends ServeError {
  constructor(message: string, param: string | null = null, code = 'invalid_request') {
    super(message, code, 400, 'invalid_request_error', param);
  }
}
/** Prompt plus requested completion do not fit the model's context or the KV memory budget. */
export class ContextLengthError extends ServeError {
  constructor(message: string) { super(message, 'context_length_exceeded', 400, 'invalid_request_error', 'messages'); }
}
export class ModelNotFoundError extends ServeError {
  constructor(model: string) {
    super(`The model '${model}' does not exist or is not served here.`, 'model_not_found', 404, 'invalid_request_error', 'model');
  }
}
export class AuthenticationError extends ServeError {
  constructor() { super('Invalid or missing API key (Authorization: Bearer <key>).', 'invalid_api_key', 401, 'authentication_error'); }
}
export class NotFoundError extends ServeError {
  constructor(path: string) { super(`No route for ${path}.`, 'not_found', 404, 'invalid_request_error'); }
}
export class MethodNotAllowedError extends ServeError {
  constructor(method: string, path: string) { super(`${method} is not allowed on ${path}.`, 'method_not_allowed', 405, 'invalid_request_error'); }
}
export class PayloadTooLargeError extends ServeError {
  constructor(limit: number) { super(`Request body exceeds ${limit} bytes.`, 'payload_too_large', 413, 'invalid_request_error'); }
}
/** The server is shutting down or the queue is full. */
export class UnavailableError extends ServeError {
  constructor(message: string) { super(message, 'server_unavailable', 503, 'server_error'); }
}
/** The request was cancelled (client disconnect, AbortSignal, shutdown). */
export class RequestCancelledError extends ServeError {
  constructor(message = 'The request was cancelled.') { super(message, 'cancelled', 499, 'cancelled'); }
}
export class InternalServerError extends ServeError {
  constructor(message: string) { super(message, 'internal_error', 500, 'server_error'); }
}
