/**
 * Base class of every error that the service turns into an HTTP response. `code` is stable
 * and meant for programs; `message` is for people and names the offending value.
 */
export class ServiceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    const body: { code: string; message: string; details?: unknown } = {
      code: this.code,
      message: this.message,
    };
    if (this.details !== undefined) {
      body.details = this.details;
    }
    return { error: body };
  }
}

/** A request that the client must change before sending again (4xx). */
export class RequestError extends ServiceError {}

/** A dependency of the service is down or failing (503). */
export class UnavailableError extends ServiceError {
  constructor(code: string, message: string, cause?: unknown) {
    super(503, code, message, { cause, headers: { 'Retry-After': '5' } });
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}

/** Returns the message of any thrown value, for logs and wrapped errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
