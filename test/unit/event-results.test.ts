import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createTestS3Client, s3ServiceError } from '../support/s3-fixture.js';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventResultStore } from '../../handler/events/event-results.js';
import type { RunResult } from '../../handler/runner/run-result.js';

const client = createTestS3Client();
const s3 = mockClient(client);
const store = new EventResultStore(
  { upload: client, presign: client },
  600,
  pino({ level: 'silent' }),
);
const source = { bucket: 'inbox', key: 'jobs/a.R', eTag: 'e1' };

/** A response body with the one method the store reads. */
function body(text: string) {
  return { transformToString: async () => text } as never;
}

describe('EventResultStore', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('finds the run id of the same script version', async () => {
    s3.on(GetObjectCommand).resolves({
      Metadata: { 'source-etag': 'e1' },
      Body: body('{"run_id":"r1"}'),
    });

    await expect(store.findRunId(source, 'results/a/result.json')).resolves.toBe('r1');
  });

  it('ignores a result of another version', async () => {
    s3.on(GetObjectCommand).resolves({
      Metadata: { 'source-etag': 'e0' },
      Body: body('{"run_id":"r0"}'),
    });

    await expect(store.findRunId(source, 'results/a/result.json')).resolves.toBeUndefined();
  });

  it('returns undefined when no result is stored', async () => {
    s3.on(GetObjectCommand).rejects(s3ServiceError('NoSuchKey', 404));

    await expect(store.findRunId(source, 'results/a/result.json')).resolves.toBeUndefined();
  });

  it('throws storage_unavailable when the look-up fails', async () => {
    s3.on(GetObjectCommand).rejects(s3ServiceError('InternalError', 500));

    await expect(store.findRunId(source, 'results/a/result.json')).rejects.toMatchObject({
      code: 'storage_unavailable',
    });
  });

  it('stores the eTag and versionId as metadata', async () => {
    s3.on(PutObjectCommand).resolves({});

    await store.save({ ...source, versionId: 'v1' }, 'results/a/result.json', {
      run_id: 'r1',
    } as RunResult);

    expect(
      s3.commandCalls(PutObjectCommand, {
        Bucket: 'inbox',
        Key: 'results/a/result.json',
        Metadata: { 'source-etag': 'e1', 'source-version-id': 'v1', 'run-id': 'r1' },
      }),
    ).toHaveLength(1);
  });

  it('throws result_not_stored when the upload fails', async () => {
    s3.on(PutObjectCommand).rejects(s3ServiceError('InternalError', 500));

    await expect(
      store.save(source, 'results/a/result.json', { run_id: 'r1' } as RunResult),
    ).rejects.toMatchObject({ code: 'result_not_stored' });
  });
});
