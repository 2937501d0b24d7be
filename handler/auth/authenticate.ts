import { createHash, timingSafeEqual } from 'node:crypto';
import { ServiceError } from '../errors.js';

/** Who made the request, as far as the service can tell. */
export interface Caller {
  /** Stable name of the caller for logs: the JWT subject, or "static-token". */
  subject: string;
}

const CHALLENGE = 'Bearer realm="r-runner"';

/** Checks `Authorization: Bearer <token>` against the configured static token. */
export class Authenticator {
  private readonly tokenDigest?: Buffer;

  constructor(token: string | undefined) {
    this.tokenDigest = token ? digest(token) : undefined;
  }

  get configured(): boolean {
    return this.tokenDigest !== undefined;
  }

  authenticate(authorization: string | undefined): Caller {
    if (!this.tokenDigest) {
      throw new ServiceError(
        503,
        'authentication_not_configured',
        'The server has no credential configured (set RUNNER_TOKEN or the runner-token secret), so it serves no runs',
      );
    }
    if (!authorization) {
      throw unauthorized('missing_credentials', 'the Authorization header is missing', CHALLENGE);
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw unauthorized(
        'malformed_credentials',
        'the Authorization header must be "Bearer <token>"',
        `${CHALLENGE}, error="invalid_request"`,
      );
    }
    // Comparing fixed-length digests keeps the comparison constant-time whatever the length.
    if (!timingSafeEqual(digest(match[1]!), this.tokenDigest)) {
      throw unauthorized(
        'invalid_credentials',
        'the bearer token is not valid',
        `${CHALLENGE}, error="invalid_token"`,
      );
    }
    return { subject: 'static-token' };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function unauthorized(code: string, message: string, challenge: string): ServiceError {
  return new ServiceError(401, code, message, { headers: { 'WWW-Authenticate': challenge } });
}
