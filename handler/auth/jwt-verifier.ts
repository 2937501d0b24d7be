import jwt, { type JwtPayload } from 'jsonwebtoken';
import type { JwtConfig } from '../config/config.js';
import type { ServiceError } from '../errors.js';
import { invalidToken } from './auth-errors.js';
import type { Caller } from './caller.js';
import { LimitClaimError, parseLimitClaims } from './caller-limits.js';
import { parseScopeClaim } from './scopes.js';

const { JsonWebTokenError, NotBeforeError, TokenExpiredError } = jwt;

/**
 * Messages of jsonwebtoken 9 mapped to ours by prefix. The library's own text is never sent,
 * because some of it quotes parts of the token.
 */
const LIBRARY_MESSAGES: [prefix: string, message: string][] = [
  ['jwt malformed', 'the token is not a well-formed JWT'],
  ['invalid token', 'the token is not a well-formed JWT'],
  ['jwt signature is required', 'the token is unsigned'],
  ['invalid algorithm', 'the token is signed with an algorithm this server does not accept'],
  ['invalid signature', 'the token signature does not verify'],
  ['jwt audience invalid', 'the aud claim of the token names no accepted audience'],
  ['jwt issuer invalid', 'the iss claim of the token is not an accepted issuer'],
  ['invalid exp value', 'the exp claim of the token must be a number'],
  ['invalid nbf value', 'the nbf claim of the token must be a number'],
];

/** Verifies JWT bearer tokens with the one configured key and turns their claims into a Caller. */
export class JwtVerifier {
  constructor(private readonly config: JwtConfig) {}

  verify(token: string): Caller {
    const payload = this.verifiedPayload(token);
    return readCaller(payload);
  }

  private verifiedPayload(token: string): Record<string, unknown> {
    // RFC 7515 section 4.1.11: a token that names critical extensions this server does not
    // implement (it implements none) must be rejected.
    const decoded = jwt.decode(token, { complete: true });
    if (decoded && 'crit' in decoded.header) {
      throw invalidToken('invalid_token', 'the token names critical header extensions (crit)');
    }

    let payload: string | JwtPayload;
    try {
      // The algorithms come from the configuration, never from the token's header, so neither
      // `alg: none` nor an HS256 token signed with a public key can verify.
      payload = jwt.verify(token, this.config.key, {
        algorithms: this.config.algorithms,
        issuer: this.config.issuers,
        audience: this.config.audiences,
        clockTolerance: this.config.clockToleranceSeconds,
      });
    } catch (error) {
      throw toServiceError(error);
    }

    if (typeof payload === 'string') {
      throw invalidToken('invalid_token', 'the token payload must be a JSON object');
    }
    return payload;
  }
}

function readCaller(payload: Record<string, unknown>): Caller {
  // jsonwebtoken checks exp only when present, and a token without it would never expire.
  if (typeof payload.exp !== 'number') {
    throw invalidToken('invalid_token', 'the token has no exp claim, but tokens must expire');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw invalidToken('invalid_token', 'the token has no sub claim naming the caller');
  }
  const scopes = parseScopeClaim(payload.scope);
  if (!scopes) {
    throw invalidToken(
      'invalid_token',
      'the scope claim must be a space-separated string or an array of strings',
    );
  }

  try {
    const issuer = typeof payload.iss === 'string' ? payload.iss : '';
    return {
      subject: payload.sub,
      identity: `jwt:${JSON.stringify([issuer, payload.sub])}`,
      scopes,
      limits: parseLimitClaims(payload),
    };
  } catch (error) {
    if (error instanceof LimitClaimError) {
      throw invalidToken('invalid_token', error.message);
    }
    throw error;
  }
}

function toServiceError(error: unknown): ServiceError {
  // TokenExpiredError and NotBeforeError extend JsonWebTokenError, so they go first.
  if (error instanceof TokenExpiredError) {
    return invalidToken('token_expired', `the token expired at ${error.expiredAt.toISOString()}`);
  }
  if (error instanceof NotBeforeError) {
    return invalidToken(
      'token_not_yet_valid',
      `the token is not valid before ${error.date.toISOString()}`,
    );
  }

  const text = error instanceof JsonWebTokenError ? error.message : '';
  const known = LIBRARY_MESSAGES.find(([prefix]) => text.startsWith(prefix));
  return invalidToken('invalid_token', known ? known[1] : 'the token is not valid');
}
