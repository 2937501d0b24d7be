import { describe, expect, it } from 'vitest';
import { RequestError } from '../../handler/errors.js';
import { RunRequestValidator } from '../../handler/validation/run-request.js';

const limits = {
  maxBodyBytes: 1_000_000,
  maxScriptBytes: 100,
  maxInputFiles: 2,
  maxInputBytes: 50,
};
const validator = new RunRequestValidator(limits, 30);

function rejection(body: unknown): RequestError {
  try {
    validator.parse(body);
  } catch (error) {
    if (error instanceof RequestError) {
      return error;
    }
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('RunRequestValidator', () => {
  it('accepts a script with files in both encodings', () => {
    const parsed = validator.parse({
      script: 'cat(1)',
      files: [
        { name: 'data/in.csv', content: 'a,b\n' },
        { name: 'raw.bin', content: Buffer.from([0, 255]).toString('base64'), encoding: 'base64' },
      ],
      timeout_seconds: 5,
    });

    expect(parsed.script).toBe('cat(1)');
    expect(parsed.files[0]).toEqual({ name: 'data/in.csv', content: Buffer.from('a,b\n') });
    expect(parsed.files[1]!.content).toEqual(Buffer.from([0, 255]));
    expect(parsed.timeoutSeconds).toBe(5);
  });

  it.each([
    ['a body that is not an object', 'cat(1)', 400, 'invalid_request', 'body must be an object'],
    ['a missing script', { scrpt: 'cat(1)' }, 400, 'invalid_request', 'script is required'],
    [
      'a script that is not a string',
      { script: 42 },
      400,
      'invalid_request',
      'script must be a string',
    ],
    ['an empty script', { script: '' }, 400, 'invalid_request', 'script must NOT have fewer'],
    [
      'an unknown field',
      { script: 'cat(1)', verbose: true },
      400,
      'invalid_request',
      'verbose is not a known field',
    ],
    [
      'a script over MAX_SCRIPT_BYTES',
      { script: 'x'.repeat(101) },
      413,
      'script_too_large',
      'MAX_SCRIPT_BYTES',
    ],
    [
      'a timeout over the server limit',
      { script: 'x', timeout_seconds: 31 },
      400,
      'timeout_too_large',
      'timeout_seconds',
    ],
    [
      'a timeout that is not an integer',
      { script: 'x', timeout_seconds: 1.5 },
      400,
      'invalid_request',
      'timeout_seconds must be an integer',
    ],
    [
      'files that is not a list',
      { script: 'x', files: {} },
      400,
      'invalid_request',
      'files must be an array',
    ],
    [
      'a file without content',
      { script: 'x', files: [{ name: 'a' }] },
      400,
      'invalid_request',
      'files[0].content is required',
    ],
    [
      'an unknown encoding',
      { script: 'x', files: [{ name: 'a', content: '', encoding: 'hex' }] },
      400,
      'invalid_request',
      'files[0].encoding must be one of',
    ],
    [
      'a path with ..',
      { script: 'x', files: [{ name: '../x.csv', content: '' }] },
      400,
      'invalid_file_name',
      'files[0].name',
    ],
    [
      'an absolute path',
      { script: 'x', files: [{ name: '/etc/x', content: '' }] },
      400,
      'invalid_file_name',
      'relative',
    ],
    [
      'a backslash',
      { script: 'x', files: [{ name: 'a\\b', content: '' }] },
      400,
      'invalid_file_name',
      'backslash',
    ],
    [
      'an empty segment',
      { script: 'x', files: [{ name: 'a//b', content: '' }] },
      400,
      'invalid_file_name',
      'segments',
    ],
    [
      'a repeated name',
      {
        script: 'x',
        files: [
          { name: 'a', content: '' },
          { name: 'a', content: '' },
        ],
      },
      400,
      'duplicate_file_name',
      'files[1].name',
    ],
    [
      'bad base64',
      { script: 'x', files: [{ name: 'a', content: 'abc$', encoding: 'base64' }] },
      400,
      'invalid_base64',
      'files[0].content',
    ],
    [
      'too many files',
      { script: 'x', files: [1, 2, 3].map((i) => ({ name: `f${i}`, content: '' })) },
      400,
      'too_many_files',
      'MAX_INPUT_FILES',
    ],
    [
      'files over MAX_INPUT_BYTES',
      { script: 'x', files: [{ name: 'a', content: 'y'.repeat(51) }] },
      413,
      'input_too_large',
      'MAX_INPUT_BYTES',
    ],
  ])('rejects %s', (_name, body, status, code, message) => {
    const error = rejection(body);

    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('lists every problem with its field', () => {
    const error = rejection({ script: 1, extra: 2 });

    expect(error.details).toEqual(
      expect.arrayContaining([
        { field: 'script', message: 'script must be a string' },
        { field: 'extra', message: 'extra is not a known field' },
      ]),
    );
  });
});
