import type { Scope } from './scopes.js';

/** Limits a token sets for its caller; each one can lower the server's limit, never raise it. */
export interface CallerLimits {
  maxTimeoutSeconds?: number;
  maxMemoryMb?: number;
  maxArtifactCount?: number;
}

/** The caller of a request, as far as the service can tell, and what it may do. */
export interface Caller {
  /** Stable name of the caller for logs: the JWT subject, or "static-token". */
  subject: string;
  /**
   * Key that distinguishes callers across credential kinds, for data kept per caller such as
   * replayed results: "static-token", or "jwt:" with the token's issuer and subject. A JWT
   * whose subject is "static-token" therefore never matches the static token's caller.
   */
  identity: string;
  scopes: ReadonlySet<Scope>;
  limits?: CallerLimits;
}
