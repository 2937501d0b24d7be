import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/docker.js';
import { freePort, startService, type TestService } from '../support/service.js';

const run = promisify(execFile);
const DOCKER_TLS_SCRIPT = fileURLToPath(new URL('../../scripts/docker-tls.sh', import.meta.url));

// A second dockerd on a loopback port that accepts only clients with a certificate from its
// own CA. It has its own data root, so the runtime image is copied into it once per file.
let certDir: string;
let port: number;
let dockerHost: string;
const services: TestService[] = [];

async function service(env: Record<string, string>): Promise<TestService> {
  const started = await startService(env);
  services.push(started);
  return started;
}

function tlsVariables(): Record<string, string> {
  return {
    DOCKER_TLS_CA: join(certDir, 'ca.pem'),
    DOCKER_TLS_CERT: join(certDir, 'cert.pem'),
    DOCKER_TLS_KEY: join(certDir, 'key.pem'),
  };
}

/** Names of the container events of one run on the second daemon, in order. */
async function remoteEvents(runId: string, since: Date): Promise<string[]> {
  const { stdout } = await run('docker', [
    '-H',
    `unix://${join(certDir, 'daemon', 'docker.sock')}`,
    'events',
    '--since',
    since.toISOString(),
    '--until',
    new Date().toISOString(),
    '--filter',
    `label=org.r-runner.run-id=${runId}`,
    '--format',
    '{{.Action}}',
  ]);
  return stdout.split('\n').filter(Boolean);
}

/** GET /_ping over TLS with the given options; resolves with the body or rejects. */
function ping(options: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/_ping', ...options }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'r-runner-docker-tls-'));
  port = await freePort();
  dockerHost = `tcp://127.0.0.1:${port}`;
  await run('bash', [DOCKER_TLS_SCRIPT, 'start', certDir, String(port)]);
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  if (certDir) {
    await run('bash', [DOCKER_TLS_SCRIPT, 'stop', certDir]);
    rmSync(certDir, { recursive: true, force: true });
  }
});

describe('remote Docker over mutual TLS', () => {
  it.each([
    ['DOCKER_TLS_CA, DOCKER_TLS_CERT and DOCKER_TLS_KEY', () => tlsVariables()],
    ['DOCKER_CERT_PATH', () => ({ DOCKER_CERT_PATH: certDir, DOCKER_TLS_VERIFY: '1' })],
  ])('runs a script with certificates from %s', async (_, variables) => {
    const runner = await service({ DOCKER_HOST: dockerHost, ...variables() });
    const since = new Date(Date.now() - 1_000);

    const response = await runner.post('/run', { script: 'cat(2+2)' });

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('4');
    expect(response.body.exit_code).toBe(0);
    expect(await remoteEvents(response.body.run_id, since)).toContain('create');
    // The container is removed just after the response is sent.
    const removed = await eventually(
      async () => (await remoteEvents(response.body.run_id, since)).includes('destroy'),
      5_000,
    );
    expect(removed).toBe(true);
    expect((await runner.get('/health/ready')).status).toBe(200);
  });

  it('daemon rejects a client without a certificate', async () => {
    const ca = readFileSync(join(certDir, 'ca.pem'));
    const cert = readFileSync(join(certDir, 'cert.pem'));
    const key = readFileSync(join(certDir, 'key.pem'));

    const plainFetch = fetch(`https://127.0.0.1:${port}/_ping`).then(
      () => undefined,
      (error: Error) => error,
    );
    const withoutCertificate = ping({ ca }).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error,
    );
    const withCertificate = ping({ ca, cert, key });

    expect((await plainFetch)?.cause).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect((await withoutCertificate)?.code).toMatch(/^ERR_SSL_.*BAD_CERTIFICATE$|^ECONNRESET$/);
    expect(await withCertificate).toBe('OK');
  });

  it('answers 503 when the service has no TLS material', async () => {
    const runner = await service({ DOCKER_HOST: dockerHost });

    const response = await runner.post('/run', { script: 'cat(2+2)' });
    const ready = await runner.get('/health/ready');

    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('container_runtime_unavailable');
    // The daemon responds to plain HTTP with a 400, or resets the connection when the request
    // body is still being sent; both mean that Docker cannot be used.
    expect(response.body.error.message).toMatch(/HTTP request to an HTTPS server|ECONNRESET/);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.docker).toContain('Docker');
  });

  it('stops at start-up with only part of the TLS material', async () => {
    const onlyCa = { DOCKER_HOST: dockerHost, DOCKER_TLS_CA: join(certDir, 'ca.pem') };

    const starting = startService(onlyCa);

    await expect(starting).rejects.toThrow(/Missing: DOCKER_TLS_CERT.*DOCKER_TLS_KEY/);
  });
});
