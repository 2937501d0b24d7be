#!/usr/bin/env node
// Mints a JWT for calling a local r-runner and prints only the token, so that a shell can keep
// it with TOKEN=$(...). Errors go to stderr with exit status 2.
//
//   JWT_SECRET=... node scripts/mint-token.mjs --sub alice --scope "run system" --ttl 3600
//   node scripts/mint-token.mjs --sub ci --private-key-file key.pem --alg ES256
//
// Run with --help for every option.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';

const USAGE = `Usage: node scripts/mint-token.mjs --sub NAME [options]

Prints a signed JWT for r-runner. The key is JWT_SECRET from the environment (HS256), the
file of --secret-file (HS256), or the PEM private key of --private-key-file (RS256 or ES256).

  --sub NAME                  caller name, logged with each run (required)
  --scope "run system"        space-separated scopes: run, system, batch (default: run)
  --ttl SECONDS               lifetime of the token in seconds (default: 3600)
  --iss ISSUER, --aud AUDIENCE  issuer and audience claims, for servers that check them
  --max-timeout-seconds N     lowers the time limit of the caller's runs
  --max-memory-mb N           lowers the memory limit of the caller's runs, in MiB
  --max-artifact-count N      lowers how many files of each run are stored
  --secret-file PATH          file that contains the HMAC secret
  --private-key-file PATH     PEM private key for RS256 or ES256
  --alg RS256|ES256           algorithm for --private-key-file (default: from the key type)
  --help                      print this text`;

/** Limit options, their claims and the smallest value r-runner accepts for each. */
const LIMIT_OPTIONS = [
  { option: 'max-timeout-seconds', claim: 'max_timeout_seconds', min: 1 },
  { option: 'max-memory-mb', claim: 'max_memory_mb', min: 64 },
  { option: 'max-artifact-count', claim: 'max_artifact_count', min: 0 },
];

class UsageError extends Error {}

function readOptions() {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string', default: 'run' },
      ttl: { type: 'string', default: '3600' },
      iss: { type: 'string' },
      aud: { type: 'string' },
      'max-timeout-seconds': { type: 'string' },
      'max-memory-mb': { type: 'string' },
      'max-artifact-count': { type: 'string' },
      'secret-file': { type: 'string' },
      'private-key-file': { type: 'string' },
      alg: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  return values;
}

function integerOption(name, raw, min) {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, got ${raw}`);
  }
  return value;
}

/** Returns the signing key and algorithm from the options and JWT_SECRET. */
function readKey(options) {
  if (options['secret-file'] && options['private-key-file']) {
    throw new UsageError('give either --secret-file or --private-key-file, not both');
  }
  if (options['private-key-file']) {
    return readPrivateKey(options['private-key-file'], options.alg);
  }
  if (options.alg && options.alg !== 'HS256') {
    throw new UsageError(`--alg ${options.alg} needs --private-key-file`);
  }

  const secret = options['secret-file']
    ? readFileSync(options['secret-file'], 'utf8').trim()
    : process.env.JWT_SECRET?.trim();
  if (!secret) {
    throw new UsageError('set JWT_SECRET, or give --secret-file or --private-key-file');
  }
  return { key: secret, algorithm: 'HS256' };
}

function readPrivateKey(path, requested) {
  const key = createPrivateKey(readFileSync(path, 'utf8'));
  const algorithm = requested ?? { rsa: 'RS256', ec: 'ES256' }[key.asymmetricKeyType];
  if (algorithm !== 'RS256' && algorithm !== 'ES256') {
    throw new UsageError(
      `--private-key-file needs an RSA or P-256 EC key with --alg RS256 or ES256, got ${requested ?? key.asymmetricKeyType}`,
    );
  }
  return { key, algorithm };
}

function mint(options) {
  if (!options.sub) {
    throw new UsageError('--sub is required');
  }
  const { key, algorithm } = readKey(options);

  const payload = { scope: options.scope.split(/\s+/).filter(Boolean).join(' ') };
  for (const { option, claim, min } of LIMIT_OPTIONS) {
    if (options[option] !== undefined) {
      payload[claim] = integerOption(option, options[option], min);
    }
  }

  return jwt.sign(payload, key, {
    algorithm,
    subject: options.sub,
    expiresIn: integerOption('ttl', options.ttl, 1),
    ...(options.iss ? { issuer: options.iss } : {}),
    ...(options.aud ? { audience: options.aud } : {}),
  });
}

try {
  const options = readOptions();
  if (options.help) {
    console.log(USAGE);
  } else {
    console.log(mint(options));
  }
} catch (error) {
  console.error(`mint-token: ${error.message}`);
  if (error instanceof UsageError || error.code?.startsWith('ERR_PARSE_ARGS')) {
    console.error('run with --help for the options');
  }
  process.exit(2);
}
