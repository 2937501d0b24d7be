import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRemoved } from '../support/docker.js';
import { startService, type TestService } from '../support/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await service?.stop();
});

async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('POST /run', () => {
  it('returns what the script printed', async () => {
    const response = await service.post('/run', { script: 'cat(2+2)' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.stdout).toBe('4');
    expect(response.body.stderr).toBe('');
    expect(response.body.exit_code).toBe(0);
    expect(response.body.success).toBe(true);
    expect(response.body.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body.duration_ms).toBeGreaterThan(0);
    expect(response.body.artifacts).toEqual([]);
    expect(response.body).not.toHaveProperty('runtime_stderr');
  });

  it('stores written files as artifacts behind presigned URLs', async () => {
    const script = [
      "write.csv(data.frame(a = 1:3, b = c('x', 'y', 'z')), 'out.csv', row.names = FALSE)",
      "png('plot.png'); plot(1:10); invisible(dev.off())",
    ].join('\n');

    const response = await service.post('/run', { script });

    expect(response.status).toBe(200);
    const artifacts = response.body.artifacts;
    expect(artifacts.map((a: { name: string }) => a.name)).toEqual(['out.csv', 'plot.png']);
    expect(artifacts[0].content_type).toBe('text/csv');
    expect(artifacts[1].content_type).toBe('image/png');
    for (const artifact of artifacts) {
      const { status, bytes } = await download(artifact.url);
      expect(status).toBe(200);
      expect(bytes.length).toBe(artifact.size_bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
      expect(Date.parse(artifact.expires_at)).toBeGreaterThan(Date.now());
    }
    const csv = await download(artifacts[0].url);
    expect(csv.bytes.toString()).toBe('"a","b"\n1,"x"\n2,"y"\n3,"z"\n');
    const png = await download(artifacts[1].url);
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses artifact URLs without or with a changed signature', async () => {
    const response = await service.post('/run', { script: "writeLines('secret', 'x.txt')" });
    const url = new URL(response.body.artifacts[0].url);

    const unsigned = new URL(url);
    unsigned.search = '';
    const tampered = new URL(url);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    tampered.searchParams.set(
      'X-Amz-Signature',
      (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1),
    );

    expect((await download(url.toString())).status).toBe(200);
    expect((await download(unsigned.toString())).status).toBe(403);
    expect((await download(tampered.toString())).status).toBe(403);
  });

  it('reports an R error as a failed run with the message in stderr', async () => {
    const response = await service.post('/run', { script: "stop('boom')" });

    expect(response.status).toBe(200);
    expect(response.body.success).toBe(false);
    expect(response.body.exit_code).toBe(1);
    expect(response.body.stderr).toContain('Error: boom');
  });

  it('gives the script its input files', async () => {
    const response = await service.post('/run', {
      script: "d <- read.csv('data/in.csv'); cat(sum(d$v)); cat(readBin('raw.bin', 'raw', 3))",
      files: [
        { name: 'data/in.csv', content: 'v\n1\n2\n39\n' },
        {
          name: 'raw.bin',
          content: Buffer.from([1, 2, 255]).toString('base64'),
          encoding: 'base64',
        },
      ],
    });

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('4201 02 ff');
    // Unchanged input files are not returned as artifacts.
    expect(response.body.artifacts).toEqual([]);
  });

  it('honours a shorter timeout_seconds', async () => {
    const response = await service.post('/run', { script: 'Sys.sleep(20)', timeout_seconds: 1 });

    expect(response.body.timed_out).toBe(true);
    expect(response.body.limits.timeout_seconds).toBe(1);
    expect(response.body.duration_ms).toBeLessThan(5_000);
  });
});

describe('run sandbox', () => {
  it('runs as a non-root user without network, capabilities or a writable root', async () => {
    const script = String.raw`
cat('home', Sys.getenv('HOME'), '\n')
cat('uid', system('id -u', intern = TRUE), '\n')
cat('caps', grep('^CapEff', readLines('/proc/self/status'), value = TRUE), '\n')
r <- try(writeLines('x', '/etc/x'), silent = TRUE); cat('etc-write-refused', inherits(r, 'try-error'), '\n')
r <- try(writeLines('x', '/usr/x'), silent = TRUE); cat('usr-write-refused', inherits(r, 'try-error'), '\n')
s <- try(socketConnection('127.0.0.1', 80, timeout = 2), silent = TRUE); cat('socket-refused', inherits(s, 'try-error'), '\n')
cat('interfaces', paste(list.files('/sys/class/net'), collapse = ','), '\n')
cat('hostname', readLines('/etc/hostname'), '\n')
`;

    const response = await service.post('/run', { script });

    expect(response.status).toBe(200);
    const out = response.body.stdout;
    expect(out).toContain('home /tmp');
    expect(out).toMatch(/uid 10001/);
    expect(out).toMatch(/caps CapEff:\s+0000000000000000/);
    expect(out).toContain('etc-write-refused TRUE');
    expect(out).toContain('usr-write-refused TRUE');
    expect(out).toContain('socket-refused TRUE');
    expect(out).toContain('interfaces lo');
    expect(out).toContain('hostname r-runner');
  });

  it('gives every run a fresh workspace', async () => {
    await service.post('/run', {
      script: "writeLines('left over', 'note.txt'); writeLines('left over', '/tmp/note.txt')",
    });

    const response = await service.post('/run', {
      script: "cat(file.exists('note.txt'), file.exists('/tmp/note.txt'))",
    });

    expect(response.body.stdout).toBe('FALSE FALSE');
  });
});

describe('other routes', () => {
  it('answers /health without a token', async () => {
    const response = await fetch(`${service.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness of Docker and storage', async () => {
    const response = await service.get('/health/ready');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { docker: 'ok', storage: 'ok' } });
  });

  it('lists the R version and packages of the runtime image', async () => {
    const response = await service.get('/system');

    expect(response.status).toBe(200);
    expect(response.body.r_version).toMatch(/^4\.\d+\.\d+$/);
    expect(response.body.image_id).toMatch(/^sha256:/);
    const names = response.body.packages.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['base', 'stats', 'utils', 'grDevices']));
  });

  it.each([
    ['no token', {}, 'missing_credentials'],
    ['a wrong token', { authorization: 'Bearer wrong-token' }, 'invalid_credentials'],
  ])('rejects a run with %s as 401 JSON', async (_name, headers, code) => {
    const response = await fetch(`${service.url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ script: 'cat(1)' }),
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await response.json()).error.code).toBe(code);
  });
});

describe('cleanup', () => {
  it('leaves no container behind', async () => {
    await service.post('/run', { script: 'cat(1)' });

    expect(await allRemoved(service.instanceId)).toBe(true);
  });
});
