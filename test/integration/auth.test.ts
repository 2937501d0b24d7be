import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../support/service.js';

const MINT_SCRIPT = fileURLToPath(new URL('../../scripts/mint-token.mjs', import.meta.url));
const SECRET = randomBytes(32).toString('hex');

let service: TestService;

beforeAll(async () => {
  // No static token, so every accepted request below was accepted for its JWT.
  service = await startService({ JWT_SECRET: SECRET, RUNNER_TOKEN: '' });
});

afterAll(async () => {
  await service?.stop();
});

/** Mints a token with scripts/mint-token.mjs, as a user would. */
async function mint(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [MINT_SCRIPT, ...args], {
    env: { PATH: process.env.PATH, JWT_SECRET: SECRET },
  });
  return stdout.trim();
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

describe('JWT authentication', () => {
  it('runs a script for a minted token', async () => {
    const token = await mint('--sub', 'alice', '--scope', 'run system', '--ttl', '300');

    const response = await service.post('/run', { script: 'cat(1)' }, bearer(token));

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('1');
    expect(service.logs()).toContain('"caller":"alice"');
    expect(service.logs()).not.toContain(token);
  });

  it('returns 403 for a token without the run scope', async () => {
    const token = await mint('--sub', 'bob', '--scope', 'system');

    const response = await service.post('/run', { script: 'cat(1)' }, bearer(token));

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('insufficient_scope');
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="r-runner", error="insufficient_scope", scope="run"',
    );
  });

  it('returns 401 for an expired token', async () => {
    const exp = Math.floor(Date.now() / 1000) - 120;
    const token = jwt.sign({ sub: 'carol', scope: 'run', exp }, SECRET, { algorithm: 'HS256' });

    const response = await service.post('/run', { script: 'cat(1)' }, bearer(token));

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('token_expired');
    expect(response.text).not.toContain(token);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="r-runner", error="invalid_token"',
    );
  });

  it('stops a run at the max_timeout_seconds of its token', async () => {
    const token = await mint('--sub', 'dave', '--max-timeout-seconds', '1');

    const response = await service.post('/run', { script: 'Sys.sleep(5)' }, bearer(token));

    expect(response.status).toBe(200);
    expect(response.body.timed_out).toBe(true);
    expect(response.body.limits.timeout_seconds).toBe(1);
    expect(response.body.duration_ms).toBeLessThan(4000);
  });
});
