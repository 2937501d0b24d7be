import { createHmac, generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../handler/auth/authenticate.js';
import { loadConfig } from '../../handler/config/config.js';
import { ServiceError } from '../../handler/errors.js';

const SECRET = 'unit-test-hmac-secret-with-more-than-32-bytes';
const ISSUER = 'r-runner-tests';
const AUDIENCE = 'r-runner';
const noSecrets = join(tmpdir(), 'r-runner-no-secrets');

/** PEM key pairs, as an operator would store them in a secret. */
function pemKeyPair(type: 'rsa' | 'ec') {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  if (type === 'rsa') {
    return generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding,
      privateKeyEncoding,
    });
  }
  return generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding });
}

const rsa = pemKeyPair('rsa');
const otherRsa = pemKeyPair('rsa');
const ec = pemKeyPair('ec');

function authenticator(env: Record<string, string>): Authenticator {
  return new Authenticator({ jwt: loadConfig(env, noSecrets).jwt });
}

const hmacServer = authenticator({
  JWT_SECRET: SECRET,
  JWT_ISSUER: ISSUER,
  JWT_AUDIENCE: AUDIENCE,
});
const rsaServer = authenticator({ JWT_PUBLIC_KEY: rsa.publicKey });
const ecServer = authenticator({ JWT_PUBLIC_KEY: ec.publicKey });

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Valid claims for hmacServer; an override of undefined removes the claim. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all: Record<string, unknown> = {
    sub: 'alice',
    scope: 'run',
    iss: ISSUER,
    aud: AUDIENCE,
    exp: nowSeconds() + 300,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

function sign(payload: Record<string, unknown>, key = SECRET, algorithm: Algorithm = 'HS256') {
  return jwt.sign(payload, key, { algorithm });
}

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString('base64url');
}

function unsignedToken(payload: object): string {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

/** Signs an HS256 token by hand, as an attacker would with a public key as the secret. */
function hmacTokenWithKey(payload: object, secret: string): string {
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

function withPayload(token: string, payload: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encode(payload)}.${signature}`;
}

function failure(server: Authenticator, token: string): ServiceError {
  try {
    server.authenticate(`Bearer ${token}`);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the token was accepted');
}

describe('Authenticator with JWT', () => {
  it.each([
    ['HS256', hmacServer, () => sign(claims())],
    ['RS256', rsaServer, () => sign(claims(), rsa.privateKey, 'RS256')],
    ['ES256', ecServer, () => sign(claims(), ec.privateKey, 'ES256')],
  ])('accepts a valid %s token', (_alg, server, mint) => {
    const token = mint();

    const caller = server.authenticate(`Bearer ${token}`);

    expect(caller.subject).toBe('alice');
    expect([...caller.scopes]).toEqual(['run']);
    expect(caller.limits).toBeUndefined();
  });

  it.each([
    ['a space-separated string', 'run  system unknown', ['run', 'system']],
    ['an array', ['system', 'batch'], ['system', 'batch']],
    ['no claim', undefined, []],
  ])('reads scopes from %s', (_name, scope, expected) => {
    const token = sign(claims({ scope }));

    const caller = hmacServer.authenticate(`Bearer ${token}`);

    expect([...caller.scopes].sort()).toEqual([...expected].sort());
  });

  it('reads limit claims', () => {
    const token = sign(
      claims({ max_timeout_seconds: 5, max_memory_mb: 128, max_artifact_count: 0 }),
    );

    const caller = hmacServer.authenticate(`Bearer ${token}`);

    expect(caller.limits).toEqual({ maxTimeoutSeconds: 5, maxMemoryMb: 128, maxArtifactCount: 0 });
  });

  it('accepts a token expired within the clock tolerance', () => {
    const token = sign(claims({ exp: nowSeconds() - 10 }));

    const caller = hmacServer.authenticate(`Bearer ${token}`);

    expect(caller.subject).toBe('alice');
  });

  it.each([
    [
      'an expired token',
      () => sign(claims({ exp: nowSeconds() - 120 })),
      'token_expired',
      /expired at/,
    ],
    [
      'a token not yet valid',
      () => sign(claims({ nbf: nowSeconds() + 120 })),
      'token_not_yet_valid',
      /not valid before/,
    ],
    ['a wrong audience', () => sign(claims({ aud: 'other' })), 'invalid_token', /aud claim/],
    ['a wrong issuer', () => sign(claims({ iss: 'other' })), 'invalid_token', /iss claim/],
    [
      'a tampered payload',
      () => withPayload(sign(claims()), claims({ scope: 'run system batch' })),
      'invalid_token',
      /signature does not verify/,
    ],
    ['an alg none token', () => unsignedToken(claims()), 'invalid_token', /unsigned/],
    ['a token without exp', () => sign(claims({ exp: undefined })), 'invalid_token', /no exp/],
    ['a token without sub', () => sign(claims({ sub: undefined })), 'invalid_token', /no sub/],
    [
      'another secret',
      () => sign(claims(), 'another-secret-that-is-long-enough-too'),
      'invalid_token',
      /signature does not verify/,
    ],
    ['a scope claim of another type', () => sign(claims({ scope: 7 })), 'invalid_token', /scope/],
    [
      'a fractional limit claim',
      () => sign(claims({ max_timeout_seconds: 1.5 })),
      'invalid_token',
      /max_timeout_seconds/,
    ],
    [
      'a memory claim below the floor',
      () => sign(claims({ max_memory_mb: 8 })),
      'invalid_token',
      /max_memory_mb/,
    ],
    ['an RS256 token', () => sign(claims(), rsa.privateKey, 'RS256'), 'invalid_token', /algorithm/],
  ])('rejects %s with 401', (_name, mint, code, message) => {
    const token = mint();

    const error = failure(hmacServer, token);

    expect(error.status).toBe(401);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(token.split('.')[1]);
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="r-runner", error="invalid_token"',
    );
  });

  it.each([
    ['HS256 signed with the public key PEM', () => hmacTokenWithKey(claims(), rsa.publicKey)],
    ['alg none', () => unsignedToken(claims())],
    ['another RSA key', () => sign(claims(), otherRsa.privateKey, 'RS256')],
    ['an ES256 token', () => sign(claims(), ec.privateKey, 'ES256')],
  ])('rejects %s on an RSA server', (_name, mint) => {
    const token = mint();

    const error = failure(rsaServer, token);

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_token');
  });

  it('rejects a non-JWT value as invalid_credentials', () => {
    const error = failure(hmacServer, 'not-a-jwt');

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_credentials');
  });
});

describe('Authenticator with a static token and JWT', () => {
  const server = new Authenticator({
    token: 'static-s3cret',
    jwt: loadConfig({ JWT_SECRET: SECRET }, noSecrets).jwt,
  });

  it('accepts the static token', () => {
    const caller = server.authenticate('Bearer static-s3cret');

    expect(caller.subject).toBe('static-token');
    expect(caller.scopes.has('run')).toBe(true);
  });

  it('accepts a JWT', () => {
    const token = sign({ sub: 'bob', scope: 'system', exp: nowSeconds() + 60 });

    const caller = server.authenticate(`Bearer ${token}`);

    expect(caller.subject).toBe('bob');
    expect([...caller.scopes]).toEqual(['system']);
  });

  it('keeps a JWT named static-token apart from the static token', () => {
    const token = sign({ sub: 'static-token', scope: 'run', exp: nowSeconds() + 60 });

    const impostor = server.authenticate(`Bearer ${token}`);
    const owner = server.authenticate('Bearer static-s3cret');

    expect(impostor.subject).toBe('static-token');
    expect(impostor.identity).not.toBe(owner.identity);
  });

  it('rejects a JWT with critical header extensions', () => {
    const token = jwt.sign({ sub: 'bob', scope: 'run', exp: nowSeconds() + 60 }, SECRET, {
      algorithm: 'HS256',
      header: { alg: 'HS256', crit: ['b64'] } as jwt.JwtHeader,
    });

    const error = failure(server, token);

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_token');
    expect(error.message).toContain('crit');
  });

  it('rejects a wrong static token', () => {
    const error = failure(server, 'static-s3creT');

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_credentials');
  });
});
