import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError, type EnvReader } from './env-reader.js';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const;

type EcAlgorithm = 'ES256' | 'ES384' | 'ES512';

export type JwtAlgorithm =
  (typeof HMAC_ALGORITHMS)[number] | (typeof RSA_ALGORITHMS)[number] | EcAlgorithm;

type NonEmptyList = [string, ...string[]];

/** Settings for verifying JWT bearer tokens. The one configured key leaves a token no choice. */
export interface JwtConfig {
  /** A secret key for the HMAC algorithms, or a public RSA or EC key. */
  key: KeyObject;
  /** The only algorithms accepted, all of them verifiable with `key`. */
  algorithms: JwtAlgorithm[];
  /** Accepted `iss` values. Without them any issuer is accepted. */
  issuers?: NonEmptyList;
  /** Accepted `aud` values. Without them any audience is accepted. */
  audiences?: NonEmptyList;
  clockToleranceSeconds: number;
}

/** RFC 7518 section 3.2: an HMAC key must be at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;
const MIN_RSA_MODULUS_BITS = 2048;
/** ES256, ES384 and ES512 each require one curve (RFC 7518 section 3.4). */
const EC_CURVE_ALGORITHMS: Record<string, EcAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
const SETTINGS_WITHOUT_KEY = ['JWT_ALGORITHMS', 'JWT_ISSUER', 'JWT_AUDIENCE'];

/**
 * Loads the JWT settings, or returns undefined when neither JWT_SECRET nor JWT_PUBLIC_KEY (or
 * their secret files) is set. Throws ConfigError for a weak or mismatched key, for both keys at
 * once, and for algorithms that the configured key cannot verify.
 */
export function loadJwtConfig(read: EnvReader): JwtConfig | undefined {
  const secret = read.secret('jwt-secret', 'JWT_SECRET');
  const publicKeyPem = read.secret('jwt-public-key', 'JWT_PUBLIC_KEY');
  if (secret !== undefined && publicKeyPem !== undefined) {
    throw new ConfigError(
      'set either JWT_SECRET (secret jwt-secret) or JWT_PUBLIC_KEY (secret jwt-public-key), not both: with one key per server a token cannot choose which key verifies it',
    );
  }
  if (secret === undefined && publicKeyPem === undefined) {
    rejectSettingsWithoutKey(read);
    return undefined;
  }

  const key = secret !== undefined ? readSecretKey(secret) : readPublicKey(publicKeyPem!);
  const usable = algorithmsForKey(key);

  return {
    key,
    algorithms: readAlgorithms(read, usable),
    issuers: readList(read, 'JWT_ISSUER'),
    audiences: readList(read, 'JWT_AUDIENCE'),
    clockToleranceSeconds: read.integer('JWT_CLOCK_TOLERANCE_SECONDS', 30, { min: 0, max: 300 }),
  };
}

/** Describes the JWT settings without key material, for the start-up log line. */
export function describeJwtConfig(config: JwtConfig): Record<string, unknown> {
  return {
    keyType: config.key.type === 'secret' ? 'secret' : config.key.asymmetricKeyType,
    algorithms: config.algorithms,
    issuers: config.issuers,
    audiences: config.audiences,
    clockToleranceSeconds: config.clockToleranceSeconds,
  };
}

function rejectSettingsWithoutKey(read: EnvReader): void {
  const orphans = SETTINGS_WITHOUT_KEY.filter((name) => read.optionalString(name) !== undefined);
  if (orphans.length > 0) {
    throw new ConfigError(
      `${orphans.join(', ')} set but no JWT key: set JWT_SECRET or JWT_PUBLIC_KEY as well`,
    );
  }
}

function readSecretKey(secret: string): KeyObject {
  // A PEM key used as an HMAC secret is how RS256 tokens get forged with HS256.
  if (secret.includes('-----BEGIN')) {
    throw new ConfigError(
      'JWT_SECRET contains a PEM key, but a public key belongs in JWT_PUBLIC_KEY',
    );
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

function readPublicKey(value: string): KeyObject {
  // Environment files and CI settings often keep a PEM on one line with "\n" escapes.
  const pem = value.replace(/\\n/g, '\n');
  if (pem.includes('PRIVATE KEY')) {
    throw new ConfigError(
      'JWT_PUBLIC_KEY contains a private key, but the service needs only the public key',
    );
  }

  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new ConfigError('JWT_PUBLIC_KEY is not a PEM public key', { cause: error });
  }
  const modulusLength = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && modulusLength < MIN_RSA_MODULUS_BITS) {
    throw new ConfigError(
      `JWT_PUBLIC_KEY is a ${modulusLength}-bit RSA key, but at least ${MIN_RSA_MODULUS_BITS} bits are required`,
    );
  }
  return key;
}

/** Lists the algorithms that can verify with this key, the default first. */
function algorithmsForKey(key: KeyObject): readonly JwtAlgorithm[] {
  if (key.type === 'secret') {
    return HMAC_ALGORITHMS;
  }
  if (key.asymmetricKeyType === 'rsa') {
    return RSA_ALGORITHMS;
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
  const algorithm = key.asymmetricKeyType === 'ec' ? EC_CURVE_ALGORITHMS[curve] : undefined;
  if (!algorithm) {
    throw new ConfigError(
      `JWT_PUBLIC_KEY must be an RSA key or an EC key on P-256, P-384 or P-521, got ${key.asymmetricKeyType} ${curve}`.trim(),
    );
  }
  return [algorithm];
}

function readAlgorithms(read: EnvReader, usable: readonly JwtAlgorithm[]): JwtAlgorithm[] {
  const requested = readList(read, 'JWT_ALGORITHMS');
  if (!requested) {
    return [usable[0]!];
  }

  for (const algorithm of requested) {
    if (!usable.includes(algorithm as JwtAlgorithm)) {
      throw new ConfigError(
        `JWT_ALGORITHMS contains ${JSON.stringify(algorithm)}, which the configured key cannot verify. Use ${usable.join(', ')}`,
      );
    }
  }
  return requested as JwtAlgorithm[];
}

/** Reads a comma-separated variable as a list without empty entries, or undefined when unset. */
function readList(read: EnvReader, name: string): NonEmptyList | undefined {
  const items = (read.optionalString(name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? (items as NonEmptyList) : undefined;
}
