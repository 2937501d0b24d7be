import { insufficientScope } from './auth-errors.js';
import type { Caller } from './caller.js';

/**
 * Scopes a caller can have. A JWT grants them in its `scope` claim, and the static token has
 * all of them.
 */
export const SCOPES = {
  /** `POST /run` */
  run: 'run',
  /** `GET /system` */
  system: 'system',
  /** Reserved for a route that takes several scripts in one request. */
  batch: 'batch',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** Throws 403 `insufficient_scope` unless the caller has `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) {
    throw insufficientScope(scope);
  }
}

/**
 * Reads the `scope` claim: a space-separated string (RFC 8693 section 4.2) or an array of
 * strings. Scopes this service does not know are ignored. Returns undefined when the claim has
 * another type.
 */
export function parseScopeClaim(claim: unknown): Set<Scope> | undefined {
  if (claim === undefined) {
    return new Set();
  }
  const names = typeof claim === 'string' ? claim.split(' ') : claim;
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
    return undefined;
  }
  return new Set(ALL_SCOPES.filter((scope) => names.includes(scope)));
}
