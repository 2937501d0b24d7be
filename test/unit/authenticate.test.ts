import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../handler/auth/authenticate.js';
import { ALL_SCOPES } from '../../handler/auth/scopes.js';
import { ServiceError } from '../../handler/errors.js';

function failure(authenticator: Authenticator, header: string | undefined): ServiceError {
  try {
    authenticator.authenticate(header);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the credential was accepted');
}

describe('Authenticator', () => {
  const authenticator = new Authenticator({ token: 's3cret-token' });

  it('accepts the static token with every scope', () => {
    const caller = authenticator.authenticate('Bearer s3cret-token');

    expect(caller.subject).toBe('static-token');
    expect([...caller.scopes].sort()).toEqual([...ALL_SCOPES].sort());
    expect(caller.limits).toBeUndefined();
  });

  it.each([
    ['a missing header', undefined, 'missing_credentials'],
    ['another scheme', 'Basic czNjcmV0', 'malformed_credentials'],
    ['a wrong token', 'Bearer s3cret-tokeN', 'invalid_credentials'],
    ['a longer token', 'Bearer s3cret-token-and-more', 'invalid_credentials'],
  ])('rejects %s with 401', (_name, header, code) => {
    const error = failure(authenticator, header);

    expect(error.status).toBe(401);
    expect(error.code).toBe(code);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="r-runner"/);
    expect(error.message).not.toContain('s3cret');
  });

  it('answers 503 when no token is configured', () => {
    const error = failure(new Authenticator({}), 'Bearer anything');

    expect(error.status).toBe(503);
    expect(error.code).toBe('authentication_not_configured');
  });
});
