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
  scopes: ReadonlySet<Scope>;
  limits?: CallerLimits;
}
