import { UnavailableError } from '../errors.js';

/** HTTP status codes of the Docker Engine API that the runner handles on purpose. */
export const DOCKER_NOT_MODIFIED = 304;
export const DOCKER_NOT_FOUND = 404;
export const DOCKER_CONFLICT = 409;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EACCES',
]);

export function dockerStatusCode(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True when the error means the Docker daemon could not be reached at all. */
export function isDockerUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

export function runtimeUnavailable(action: string, cause: unknown): UnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new UnavailableError(
    'container_runtime_unavailable',
    `The container runtime (Docker) is unavailable: failed to ${action}: ${detail}`,
    cause,
  );
}
