import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createTestS3Client, s3ServiceError, testStorageConfig } from '../support/s3-fixture.js';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../handler/errors.js';
import { sha256Hex } from '../../handler/runner/workspace-archive.js';
import { ArtifactStore } from '../../handler/storage/artifact-store.js';

const config = testStorageConfig;
const client = createTestS3Client();
const s3 = mockClient(client);
const store = new ArtifactStore(
  config,
  { upload: client, presign: client },
  pino({ level: 'silent' }),
);

function file(name: string, text: string) {
  const content = Buffer.from(text);
  return { name, content, sha256: sha256Hex(content) };
}

describe('ArtifactStore', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('uploads under the run prefix and signs a URL for each file', async () => {
    s3.on(PutObjectCommand).resolves({});

    const result = await store.store('run-1', [file('out.csv', 'a,b\n'), file('a/b c.txt', 'x')]);

    expect(result.failed).toEqual([]);
    expect(result.stored.map((a) => a.name)).toEqual(['out.csv', 'a/b c.txt']);
    const puts = s3.commandCalls(PutObjectCommand, {
      Bucket: 'artifacts',
      Key: 'runs/run-1/out.csv',
      ContentType: 'text/csv',
    });
    expect(puts).toHaveLength(1);
    const url = new URL(result.stored[0]!.url);
    expect(url.pathname).toBe('/artifacts/runs/run-1/out.csv');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
  });

  it('reports a file that cannot be stored instead of throwing', async () => {
    s3.on(PutObjectCommand, { Key: 'runs/run-2/bad.bin' })
      .rejects(s3ServiceError('InternalError', 500))
      .on(PutObjectCommand, { Key: 'runs/run-2/good.txt' })
      .resolves({});

    const result = await store.store('run-2', [file('bad.bin', 'x'), file('good.txt', 'y')]);

    expect(result.stored.map((a) => a.name)).toEqual(['good.txt']);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ name: 'bad.bin', reason: 'not_stored' });
    expect(result.failed[0]!.message).toContain('after 3 attempts');
  });

  it('creates the bucket when it does not exist', async () => {
    s3.on(HeadBucketCommand).rejects(s3ServiceError('NotFound', 404));
    s3.on(CreateBucketCommand).resolves({});

    await store.ensureBucket();

    expect(s3.commandCalls(CreateBucketCommand, { Bucket: 'artifacts' })).toHaveLength(1);
  });

  it('raises a 503 naming S3 when the bucket cannot be checked', async () => {
    s3.on(HeadBucketCommand).rejects(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );

    const check = store.check();

    await expect(check).rejects.toBeInstanceOf(UnavailableError);
    await expect(check).rejects.toMatchObject({ status: 503, code: 'storage_unavailable' });
    await expect(check).rejects.toThrow('Artifact storage (S3) is unavailable');
  });

  it('does not create the bucket when S3 answers with another error', async () => {
    s3.on(HeadBucketCommand).rejects(s3ServiceError('Forbidden', 403));

    await expect(store.ensureBucket()).rejects.toMatchObject({ code: 'storage_unavailable' });

    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });
});
