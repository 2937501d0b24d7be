import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/docker.js';
import { startService, type TestService } from '../support/service.js';

const CLI = fileURLToPath(new URL('../../scripts/cli.mjs', import.meta.url));
const run = promisify(execFile);
let service: TestService;

beforeAll(async () => {
  service = await startService({ RUN_TIMEOUT_SECONDS: '5' });
});

afterAll(async () => {
  await service?.stop();
});

describe('published API description', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const response = await fetch(`${service.url}/openapi.json`);
    const document = await response.json();

    const result = await new Validator().validate(document);

    expect(response.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer.scheme).toBe('bearer');
    expect(Object.keys(document.paths['/run'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '413', '415', '429', '503']),
    );
  });

  it('describes the answers the service really gives', async () => {
    const document = await (await fetch(`${service.url}/openapi.json`)).json();
    const resultSchema = await (await fetch(`${service.url}/schema`)).json();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validateResult = ajv.compile(resultSchema);
    const validateError = ajv.compile(document.components.schemas.Error);
    const validateRequest = ajv.compile(document.components.schemas.RunRequest);

    const answers = await Promise.all([
      service.post('/run', {
        script: "writeLines('x', 'a.txt'); cat(rawToChar(as.raw(c(0xff, 0x41))))",
      }),
      service.post('/run', { script: "stop('boom')" }),
      service.post('/run', { script: 'Sys.sleep(10)', timeout_seconds: 1 }),
      service.post('/run', { script: "file.symlink('/etc/passwd', 'p'); quit(status = 4)" }),
    ]);
    const errors = await Promise.all([
      service.post('/run', { scrpt: 1 }),
      service.post('/run', '{', { 'content-type': 'application/json' }),
      service.post('/run', { script: 'x' }, { authorization: 'Bearer wrong' }),
    ]);

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(validateResult(answer.body), JSON.stringify(validateResult.errors)).toBe(true);
    }
    for (const error of errors) {
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(validateError(error.body), JSON.stringify(validateError.errors)).toBe(true);
    }
    expect(
      validateRequest(document.paths['/run'].post.requestBody.content['application/json'].example),
    ).toBe(true);
  });
});

describe('operator view', () => {
  it('exports run, queue and pool metrics for Prometheus', async () => {
    await service.post('/run', { script: "writeLines('abc', 'out.txt')" });
    await service.post('/run', { script: "stop('no')" });
    await service.post('/run', { scrpt: 'bad' });

    const response = await fetch(`${service.url}/metrics`);
    const text = await response.text();

    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/^r_runner_runs_total\{outcome="success",container="cold"\} [1-9]/m);
    expect(text).toMatch(/^r_runner_runs_total\{outcome="failure",container="cold"\} [1-9]/m);
    expect(text).toMatch(/^r_runner_run_duration_seconds_count\{container="cold"\} [1-9]/m);
    expect(text).toMatch(
      /^r_runner_requests_rejected_total\{status="400",code="invalid_request"\} [1-9]/m,
    );
    expect(text).toMatch(/^r_runner_artifact_bytes_uploaded_total [1-9]/m);
    expect(text).toMatch(/^r_runner_queue_depth 0$/m);
    expect(text).toMatch(/^r_runner_warm_pool_ready 0$/m);
  });

  it('logs each run as one JSON line without the script or the token', async () => {
    const marker = 'do-not-log-this-4711';

    const response = await service.post('/run', { script: `# ${marker}\ncat(1)` });

    // The log line travels through a pipe and may arrive just after the response.
    const finishedLine = () =>
      service
        .logs()
        .split('\n')
        .find((line) => line.includes(response.body.run_id) && line.includes('"run finished"'));
    expect(await eventually(async () => finishedLine() !== undefined, 5_000)).toBe(true);
    const finished = JSON.parse(finishedLine()!);
    expect(finished).toMatchObject({
      runId: response.body.run_id,
      caller: 'static-token',
      image: 'r-runner/r-base:latest',
      exitCode: 0,
      limitsHit: [],
    });
    expect(finished.durationMs).toBeGreaterThan(0);
    expect(service.logs()).not.toContain(marker);
    expect(service.logs()).not.toContain(service.token);
  });
});

describe('command-line client', () => {
  const env = () => ({ ...process.env, RUNNER_URL: service.url, RUNNER_TOKEN: service.token });

  it('prints the output, downloads artifacts and exits with the script status', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'r-runner-cli-'));
    writeFileSync(join(folder, 'data.csv'), 'v\n1\n2\n');
    writeFileSync(
      join(folder, 'job.R'),
      "d <- read.csv('data.csv'); cat('sum', sum(d$v), '\\n'); message('note')\n" +
        "dir.create('out'); write.csv(d * 2, 'out/double.csv', row.names = FALSE)\nquit(status = 3)\n",
    );

    const result = await run(
      process.execPath,
      [
        CLI,
        'run',
        join(folder, 'job.R'),
        '--file',
        join(folder, 'data.csv'),
        '--out',
        join(folder, 'results'),
      ],
      { env: env() },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);

    expect((result as { code: number }).code).toBe(3);
    expect(result.stdout).toBe('sum 3 \n');
    expect(result.stderr).toContain('note\n');
    expect(result.stderr).toContain('downloaded');
    expect(readFileSync(join(folder, 'results', 'out', 'double.csv'), 'utf8')).toBe('"v"\n2\n4\n');
  });

  it('lists the packages of the runtime image', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'system'], { env: env() });

    expect(stdout).toMatch(/^R 4\.\d+\.\d+ /);
    expect(stdout).toMatch(/^stats\s+4\.\d+\.\d+$/m);
  });

  it('exits with 2 and a message when the token is wrong', async () => {
    const error = await run(process.execPath, [CLI, 'system'], {
      env: { ...env(), RUNNER_TOKEN: 'wrong' },
    }).catch((failure: { code: number; stderr: string }) => failure);

    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain('401 invalid_credentials');
  });
});
