import { createHash, timingSafeEqual } from 'node:crypto';
import type { JwtConfig } from '../config/config.js';
import { authenticationNotConfigured, invalidToken, unauthorized } from './auth-errors.js';
import type { Caller } from './caller.js';
import { JwtVerifier } from './jwt-verifier.js';
import { ALL_SCOPES } from './scopes.js';

export type { Caller, CallerLimits } from './caller.js';

/** Credentials the server accepts. With neither, every authenticated route returns 503. */
export interface AuthenticatorOptions {
  /** The static bearer token, which grants every scope. */
  token?: string;
  jwt?: JwtConfig;
}

/** Three base64url segments. The signature may be empty, as in `alg: none` tokens. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const STATIC_CALLER: Caller = {
  subject: 'static-token',
  identity: 'static-token',
  scopes: new Set(ALL_SCOPES),
};

/**
 * Checks `Authorization: Bearer <value>`: the value is accepted when it equals the static
 * token or when it is a JWT that verifies with the configured key.
 */
export class Authenticator {
  private readonly tokenDigest?: Buffer;
  private readonly jwtVerifier?: JwtVerifier;

  constructor(options: AuthenticatorOptions) {
    this.tokenDigest = options.token ? digest(options.token) : undefined;
    this.jwtVerifier = options.jwt ? new JwtVerifier(options.jwt) : undefined;
  }

  get configured(): boolean {
    return this.tokenDigest !== undefined || this.jwtVerifier !== undefined;
  }

  authenticate(authorization: string | undefined): Caller {
    if (!this.configured) {
      throw authenticationNotConfigured();
    }
    const credential = readBearer(authorization);

    // Comparing fixed-length digests keeps the comparison constant-time whatever the length.
    if (this.tokenDigest && timingSafeEqual(digest(credential), this.tokenDigest)) {
      return STATIC_CALLER;
    }
    if (this.jwtVerifier && JWT_SHAPE.test(credential)) {
      return this.jwtVerifier.verify(credential);
    }
    throw invalidToken('invalid_credentials', 'the bearer token is not valid');
  }
}

function readBearer(authorization: string | undefined): string {
  if (!authorization) {
    throw unauthorized('missing_credentials', 'the Authorization header is missing');
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  if (!match) {
    throw unauthorized(
      'malformed_credentials',
      'the Authorization header must be "Bearer <token>"',
      'invalid_request',
    );
  }
  return match[1]!;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
