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

/**
 * Node's codes for a failed TLS handshake with a daemon on tcp://: the daemon rejected the
 * client certificate (ERR_SSL_*), or its own certificate does not verify against the CA.
 */
const TLS_FAILURE_CODE = new RegExp(
  '^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|' +
    'DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$)',
);
/** Message of Go's HTTPS server, with status 400, for a request sent without TLS. */
const PLAIN_HTTP_TO_TLS_MESSAGE = 'Client sent an HTTP request to an HTTPS server';

/**
 * True when the error means the Docker daemon could not be reached at all, which includes a
 * daemon that requires TLS when the client has no valid certificate for it.
 */
export function isDockerUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || TLS_FAILURE_CODE.test(code))) {
    return true;
  }
  const message = (error as { message?: unknown })?.message;
  return (
    dockerStatusCode(error) === 400 &&
    typeof message === 'string' &&
    message.includes(PLAIN_HTTP_TO_TLS_MESSAGE)
  );
}

export function runtimeUnavailable(action: string, cause: unknown): UnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new UnavailableError(
    'container_runtime_unavailable',
    `The container runtime (Docker) is unavailable: failed to ${action}: ${detail}`,
    cause,
  );
}
