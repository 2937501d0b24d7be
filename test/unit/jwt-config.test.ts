import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../handler/config/config.js';

const SECRET = 'unit-test-hmac-secret-with-more-than-32-bytes';
const noSecrets = join(tmpdir(), 'r-runner-no-secrets');

/** PEM key pairs, as an operator would store them in a secret. */
function pemKeyPair(type: 'rsa' | 'ec' | 'ed25519', modulusLength = 2048) {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  if (type === 'rsa') {
    return generateKeyPairSync('rsa', {
      modulusLength,
      publicKeyEncoding,
      privateKeyEncoding,
    });
  }
  if (type === 'ec') {
    return generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding,
      privateKeyEncoding,
    });
  }
  return generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding });
}

const rsa = pemKeyPair('rsa');
const smallRsa = pemKeyPair('rsa', 1024);
const ec = pemKeyPair('ec');
const ed25519 = pemKeyPair('ed25519');

function secretsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'r-runner-secrets-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('loadConfig for JWT', () => {
  it('leaves JWT off without a key', () => {
    const config = loadConfig({}, noSecrets);

    expect(config.jwt).toBeUndefined();
  });

  it.each([
    ['a secret', { JWT_SECRET: SECRET }, 'secret', ['HS256']],
    ['an RSA public key', { JWT_PUBLIC_KEY: rsa.publicKey }, 'public', ['RS256']],
    ['a P-256 public key', { JWT_PUBLIC_KEY: ec.publicKey }, 'public', ['ES256']],
  ])('derives the algorithms from %s', (_name, env, keyType, algorithms) => {
    const config = loadConfig(env, noSecrets);

    expect(config.jwt?.key.type).toBe(keyType);
    expect(config.jwt?.algorithms).toEqual(algorithms);
    expect(config.jwt?.clockToleranceSeconds).toBe(30);
  });

  it('reads the secret from its secrets file before the variable', () => {
    const dir = secretsDir({ 'jwt-secret': `${SECRET}-from-file\n` });

    const config = loadConfig({ JWT_SECRET: 'from-env-but-also-32-bytes-long-xx' }, dir);

    const expected = Buffer.from(`${SECRET}-from-file`);
    expect(config.jwt?.key.export()).toEqual(expected);
  });

  it('reads the public key from its secrets file', () => {
    const dir = secretsDir({ 'jwt-public-key': rsa.publicKey });

    const config = loadConfig({}, dir);

    expect(config.jwt?.key.asymmetricKeyType).toBe('rsa');
  });

  it('accepts a public key with escaped newlines', () => {
    const escaped = rsa.publicKey.replace(/\n/g, '\\n');

    const config = loadConfig({ JWT_PUBLIC_KEY: escaped }, noSecrets);

    expect(config.jwt?.algorithms).toEqual(['RS256']);
  });

  it('reads issuers, audiences, algorithms and tolerance', () => {
    const env = {
      JWT_PUBLIC_KEY: rsa.publicKey,
      JWT_ALGORITHMS: 'RS256, RS512',
      JWT_ISSUER: 'issuer-a,issuer-b',
      JWT_AUDIENCE: 'r-runner',
      JWT_CLOCK_TOLERANCE_SECONDS: '5',
    };

    const config = loadConfig(env, noSecrets);

    expect(config.jwt?.algorithms).toEqual(['RS256', 'RS512']);
    expect(config.jwt?.issuers).toEqual(['issuer-a', 'issuer-b']);
    expect(config.jwt?.audiences).toEqual(['r-runner']);
    expect(config.jwt?.clockToleranceSeconds).toBe(5);
  });

  it.each([
    ['both keys', { JWT_SECRET: SECRET, JWT_PUBLIC_KEY: rsa.publicKey }, /not both/],
    [
      'HS256 with a public key',
      { JWT_PUBLIC_KEY: rsa.publicKey, JWT_ALGORITHMS: 'HS256' },
      /HS256/,
    ],
    ['RS256 with a secret', { JWT_SECRET: SECRET, JWT_ALGORITHMS: 'RS256' }, /RS256/],
    ['ES256 with an RSA key', { JWT_PUBLIC_KEY: rsa.publicKey, JWT_ALGORITHMS: 'ES256' }, /ES256/],
    ['alg none', { JWT_SECRET: SECRET, JWT_ALGORITHMS: 'none' }, /none/],
    ['a short secret', { JWT_SECRET: 'short' }, /at least 32 bytes/],
    ['a PEM key as the secret', { JWT_SECRET: rsa.publicKey }, /PEM key/],
    ['a private key as the public key', { JWT_PUBLIC_KEY: rsa.privateKey }, /private key/],
    ['a garbled public key', { JWT_PUBLIC_KEY: 'not a key' }, /not a PEM public key/],
    ['a 1024-bit RSA key', { JWT_PUBLIC_KEY: smallRsa.publicKey }, /1024-bit/],
    ['an Ed25519 key', { JWT_PUBLIC_KEY: ed25519.publicKey }, /RSA key or an EC key/],
    ['an issuer without a key', { JWT_ISSUER: 'issuer-a' }, /JWT_ISSUER set but no JWT key/],
    ['a tolerance over 300', { JWT_SECRET: SECRET, JWT_CLOCK_TOLERANCE_SECONDS: '301' }, /300/],
  ])('rejects %s at start-up', (_name, env, message) => {
    const load = () => loadConfig(env, noSecrets);

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('rejects both keys when one comes from a secrets file', () => {
    const dir = secretsDir({ 'jwt-public-key': rsa.publicKey });

    const load = () => loadConfig({ JWT_SECRET: SECRET }, dir);

    expect(load).toThrow(/not both/);
  });

  it('keeps key material out of the logged description', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, JWT_AUDIENCE: 'r-runner' }, noSecrets);

    const logged = JSON.stringify(describeConfig(config));

    expect(logged).not.toContain(SECRET);
    expect(logged).toContain('"keyType":"secret"');
    expect(logged).toContain('"algorithms":["HS256"]');
  });
});
