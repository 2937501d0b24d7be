import {
  GetObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createTestS3Client, s3ServiceError, testStorageConfig } from '../support/s3-fixture.js';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../handler/runner/run-result.js';
import { CallResultStore } from '../../handler/storage/call-results.js';

const config = testStorageConfig;
const client = createTestS3Client();
const s3 = mockClient(client);
const store = new CallResultStore(
  config,
  { upload: client, presign: client },
  pino({ level: 'silent' }),
);

const result = {
  run_id: 'run-1',
  success: true,
  exit_code: 0,
  stdout: '4',
  artifacts: [
    {
      name: 'out.csv',
      size_bytes: 4,
      content_type: 'text/csv',
      sha256: 'abc',
      url: 'http://127.0.0.1:9/artifacts/runs/run-1/out.csv?X-Amz-Expires=600&old',
      expires_at: '2000-01-01T00:00:00.000Z',
    },
  ],
} as unknown as RunResult;

function digest(subject: string): string {
  return createHash('sha256').update(subject).digest('hex');
}

function storedObject(body: string, subject: string): GetObjectCommandOutput {
  return {
    $metadata: {},
    Metadata: { 'caller-sha256': digest(subject) },
    Body: { transformToString: async () => body },
  } as unknown as GetObjectCommandOutput;
}

describe('CallResultStore.find', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('returns undefined when no result is stored', async () => {
    s3.on(GetObjectCommand).rejects(s3ServiceError('NoSuchKey', 404, 'client'));

    const found = await store.find('call-1', 'alice');

    expect(found).toBeUndefined();
    expect(s3.commandCalls(GetObjectCommand, { Key: 'runs/calls/call-1.json' })).toHaveLength(1);
  });

  it('returns the caller’s stored result with fresh download URLs', async () => {
    s3.on(GetObjectCommand, { Key: 'runs/calls/call-1.json' }).resolves(
      storedObject(JSON.stringify(result), 'alice'),
    );

    const found = await store.find('call-1', 'alice');

    expect(found?.run_id).toBe('run-1');
    expect(found?.stdout).toBe('4');
    const url = new URL(found!.artifacts[0]!.url);
    expect(url.pathname).toBe('/artifacts/runs/run-1/out.csv');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(found!.artifacts[0]!.expires_at)).toBeGreaterThan(Date.now());
  });

  it('ignores a result stored for another caller', async () => {
    s3.on(GetObjectCommand).resolves(storedObject(JSON.stringify(result), 'mallory'));

    const found = await store.find('call-1', 'alice');

    expect(found).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"run_id": '],
    ['JSON without run_id', '{"stdout": "4"}'],
    ['null', 'null'],
  ])('ignores a stored object that is %s', async (_, body) => {
    s3.on(GetObjectCommand).resolves(storedObject(body, 'alice'));

    const found = await store.find('call-1', 'alice');

    expect(found).toBeUndefined();
  });

  it('returns undefined instead of throwing when S3 fails', async () => {
    s3.on(GetObjectCommand).rejects(s3ServiceError('InternalError', 500, 'client'));

    const found = await store.find('call-1', 'alice');

    expect(found).toBeUndefined();
  });
});

describe('CallResultStore.save', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('stores the result once under the calls prefix with the caller’s digest', async () => {
    s3.on(PutObjectCommand).resolves({});

    await store.save('call-1', 'alice', result);

    const puts = s3.commandCalls(PutObjectCommand, {
      Bucket: 'artifacts',
      Key: 'runs/calls/call-1.json',
      ContentType: 'application/json',
      IfNoneMatch: '*',
    });
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input.Metadata).toEqual({ 'caller-sha256': digest('alice'), 'run-id': 'run-1' });
    expect(JSON.parse(input.Body as string)).toEqual(result);
  });

  it.each([
    ['a result is stored already', s3ServiceError('PreconditionFailed', 412, 'client')],
    ['S3 fails', s3ServiceError('InternalError', 500, 'client')],
  ])('does not throw when %s', async (_, error) => {
    s3.on(PutObjectCommand).rejects(error);

    await expect(store.save('call-1', 'alice', result)).resolves.toBeUndefined();
  });
});
