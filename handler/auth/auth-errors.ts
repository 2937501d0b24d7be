import { ServiceError } from '../errors.js';

/** The `WWW-Authenticate` challenge of every authentication error (RFC 6750 section 3). */
const CHALLENGE = 'Bearer realm="r-runner"';

/** RFC 6750 error values for a 401 challenge. */
export type ChallengeError = 'invalid_request' | 'invalid_token';

/** Builds a 401 with a challenge. `message` describes the problem and never contains the token. */
export function unauthorized(
  code: string,
  message: string,
  challengeError?: ChallengeError,
): ServiceError {
  const challenge = challengeError ? `${CHALLENGE}, error="${challengeError}"` : CHALLENGE;
  return new ServiceError(401, code, message, { headers: { 'WWW-Authenticate': challenge } });
}

/** Builds a 401 for a JWT that was read but rejected as expired, not yet valid, or unverifiable. */
export function invalidToken(code: string, message: string): ServiceError {
  return unauthorized(code, message, 'invalid_token');
}

/** Builds a 403 for a valid credential that lacks the scope of the route. */
export function insufficientScope(scope: string): ServiceError {
  return new ServiceError(403, 'insufficient_scope', `the token lacks the "${scope}" scope`, {
    headers: {
      'WWW-Authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"`,
    },
  });
}

/** Builds the 503 returned while the server has no credential to check requests against. */
export function authenticationNotConfigured(): ServiceError {
  return new ServiceError(
    503,
    'authentication_not_configured',
    'The server has no credential configured (set RUNNER_TOKEN, JWT_SECRET or JWT_PUBLIC_KEY, or their secret files), so it serves no runs',
  );
}
