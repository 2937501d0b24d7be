import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../support/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startService({
    MAX_SCRIPT_BYTES: '1000',
    MAX_INPUT_BYTES: '2000',
    MAX_INPUT_FILES: '3',
    MAX_BODY_BYTES: '20000',
    RUN_TIMEOUT_SECONDS: '10',
  });
});

afterAll(async () => {
  await service?.stop();
});

const file = (name: string, content = 'x', encoding?: string) => ({ name, content, encoding });

describe('client mistakes', () => {
  it.each([
    ['malformed JSON', '{"script": ', {}, 400, 'invalid_json', 'not valid JSON'],
    [
      'a text body',
      'cat(1)',
      { 'content-type': 'text/plain' },
      415,
      'unsupported_media_type',
      'Content-Type',
    ],
    [
      'a form body',
      'script=cat(1)',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
      'application/json',
    ],
    ['a JSON array', [], {}, 400, 'invalid_request', 'body must be an object'],
    ['a missing script', { scrpt: 'cat(1)' }, {}, 400, 'invalid_request', 'script is required'],
    ['a non-string script', { script: 42 }, {}, 400, 'invalid_request', 'script must be a string'],
    [
      'an unknown field',
      { script: 'cat(1)', image: 'x' },
      {},
      400,
      'invalid_request',
      'image is not a known field',
    ],
    [
      'a script over MAX_SCRIPT_BYTES',
      { script: 'x'.repeat(1001) },
      {},
      413,
      'script_too_large',
      'MAX_SCRIPT_BYTES',
    ],
    [
      'a body over the limit',
      { script: 'x'.repeat(30000) },
      {},
      413,
      'body_too_large',
      '20000 bytes',
    ],
    [
      'a file path with ..',
      { script: 'x', files: [file('../x.csv')] },
      {},
      400,
      'invalid_file_name',
      'files[0].name',
    ],
    [
      'an absolute file path',
      { script: 'x', files: [file('/etc/cron.d/x')] },
      {},
      400,
      'invalid_file_name',
      'files[0].name',
    ],
    [
      'bad base64',
      { script: 'x', files: [file('a.bin', '!!!', 'base64')] },
      {},
      400,
      'invalid_base64',
      'files[0].content',
    ],
    [
      'too many files',
      { script: 'x', files: ['a', 'b', 'c', 'd'].map((n) => file(n)) },
      {},
      400,
      'too_many_files',
      'MAX_INPUT_FILES',
    ],
    [
      'files that are too big',
      { script: 'x', files: [file('a', 'y'.repeat(2001))] },
      {},
      413,
      'input_too_large',
      'MAX_INPUT_BYTES',
    ],
    [
      'a timeout over the server limit',
      { script: 'x', timeout_seconds: 11 },
      {},
      400,
      'timeout_too_large',
      'timeout_seconds',
    ],
  ])('rejects %s', async (_name, body, headers, status, code, message) => {
    const response = await service.post('/run', body, headers);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(message);
  });

  it.each([
    [
      'a file that is also a folder',
      [file('a'), file('a/b')],
      'files[0].name a is also the folder',
    ],
    [
      'a folder that is also a file',
      [file('a/b'), file('a')],
      'files[1].name a is also the folder',
    ],
  ])('rejects %s', async (_name, files, message) => {
    const response = await service.post('/run', { script: 'x', files });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_file_name');
    expect(response.body.error.message).toContain(message);
  });

  it('rejects a body that does not match its Content-Encoding', async () => {
    const response = await service.post('/run', JSON.stringify({ script: 'cat(1)' }), {
      'content-encoding': 'gzip',
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_body');
  });

  it.each([['../../x'], ['a b'], ['x'.repeat(200)]])('rejects X-Call-Id %j', async (callId) => {
    const response = await service.post('/run', { script: 'cat(1)' }, { 'x-call-id': callId });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_call_id');
  });

  it('rejects an unknown route with 404 JSON', async () => {
    const response = await service.get('/nothing-here');

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('rejects GET /run with 405 and Allow', async () => {
    const response = await service.get('/run');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.body.error.code).toBe('method_not_allowed');
  });

  it('still runs scripts after every mistake above', async () => {
    const response = await service.post('/run', { script: 'cat(2+2)' });

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('4');
  });
});
