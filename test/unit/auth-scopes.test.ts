import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Authenticator, type Caller } from '../../handler/auth/authenticate.js';
import { SCOPES } from '../../handler/auth/scopes.js';
import { loadConfig } from '../../handler/config/config.js';
import type { FunctionEvent } from '../../handler/http/function-types.js';
import { route, type RouteDependencies } from '../../handler/http/routes.js';
import type { RunnerService } from '../../handler/service.js';
import type { RunRequestValidator } from '../../handler/validation/run-request.js';

const SECRET = 'unit-test-hmac-secret-with-more-than-32-bytes';

const runCallers: string[] = [];
const deps: RouteDependencies = {
  authenticator: new Authenticator({
    token: 'static-s3cret',
    jwt: loadConfig({ JWT_SECRET: SECRET }, join(tmpdir(), 'r-runner-no-secrets')).jwt,
  }),
  // Requests that pass the scope check reach these stand-ins instead of Docker.
  service: {
    system: async () => ({ image: 'stand-in' }),
    run: async (_request: unknown, caller: Caller) => {
      runCallers.push(caller.subject);
      return { result: {}, replayed: false };
    },
  } as unknown as RunnerService,
  validator: {
    parse: () => ({ script: 'cat(1)', files: [] }),
  } as unknown as RunRequestValidator,
  logger: pino({ level: 'silent' }),
};

function token(scope: string): string {
  return jwt.sign({ sub: 'alice', scope }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
}

function request(method: string, path: string, bearer: string): FunctionEvent {
  return {
    method,
    path,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: {},
    query: {},
  };
}

describe('scope checks of the routes', () => {
  it.each([
    ['POST', '/run', 'system', SCOPES.run],
    ['POST', '/run', 'batch', SCOPES.run],
    ['GET', '/system', 'run', SCOPES.system],
    ['GET', '/system', '', SCOPES.system],
  ])('%s %s with scope "%s" returns 403', async (method, path, scope, required) => {
    const event = request(method, path, token(scope));

    const response = await route(event, deps);

    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: { code: 'insufficient_scope', message: `the token lacks the "${required}" scope` },
    });
    expect(response.headers?.['WWW-Authenticate']).toBe(
      `Bearer realm="r-runner", error="insufficient_scope", scope="${required}"`,
    );
  });

  it('lets a token with the system scope read /system', async () => {
    const event = request('GET', '/system', token('system'));

    const response = await route(event, deps);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ image: 'stand-in' });
  });

  it('lets the static token read /system', async () => {
    const event = request('GET', '/system', 'static-s3cret');

    const response = await route(event, deps);

    expect(response.status).toBe(200);
  });

  it('runs for a token with the run scope', async () => {
    const event = request('POST', '/run', token('run'));

    const response = await route(event, deps);

    expect(response.status).toBe(200);
    expect(runCallers).toEqual(['alice']);
  });
});
