import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/docker.js';
import { createMinio, type TestMinio } from '../support/processes.js';
import { freePort, startService, type TestService } from '../support/service.js';

const BUCKET = 'events-test';
const token = randomBytes(16).toString('hex');
let port: number;
let minio: TestMinio;
let service: TestService;
let s3: S3Client;

function serviceEnvironment(): Record<string, string> {
  return {
    PORT: String(port),
    RUNNER_TOKEN: token,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY_ID: minio.accessKeyId,
    S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
    S3_BUCKET: BUCKET,
    ALLOW_UNAUTHENTICATED_SWEEP: 'true',
  };
}

beforeAll(async () => {
  port = await freePort();
  minio = await createMinio({
    MINIO_NOTIFY_WEBHOOK_ENABLE_RUNNER: 'on',
    MINIO_NOTIFY_WEBHOOK_ENDPOINT_RUNNER: `http://127.0.0.1:${port}/events/s3`,
    MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_RUNNER: `Bearer ${token}`,
  });
  await minio.start();
  s3 = new S3Client({
    endpoint: minio.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: 'arn:minio:sqs::RUNNER:webhook',
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: 'jobs/' },
                  { Name: 'suffix', Value: '.R' },
                ],
              },
            },
          },
        ],
      },
    }),
  );
  service = await startService(serviceEnvironment());
});

afterAll(async () => {
  await service?.stop();
  await minio?.stop();
});

async function readText(key: string): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await object.Body!.transformToString('utf8');
  } catch {
    return undefined;
  }
}

async function upload(key: string, script: string): Promise<string> {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: script }));
  return put.ETag!.replace(/"/g, '');
}

function runsStarted(): number {
  return service
    .logs()
    .split('\n')
    .filter((line) => line.includes('"run started"')).length;
}

/** An event as MinIO sends it, with the key URL-encoded in the form style. */
function objectCreatedEvent(key: string, eTag: string) {
  const encoded = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return {
    EventName: 's3:ObjectCreated:Put',
    Key: `${BUCKET}/${key}`,
    Records: [
      {
        eventName: 's3:ObjectCreated:Put',
        s3: {
          bucket: { name: BUCKET },
          object: { key: encoded, size: 1, eTag, sequencer: '1' },
        },
      },
    ],
  };
}

describe('bucket events', () => {
  it('runs uploaded scripts and stores their results', async () => {
    await upload('jobs/a.R', "writeLines('from a', 'out.txt'); cat('ran a')");
    const eTag = await upload('jobs/sub dir/b é.R', "writeLines('from b', 'b.txt'); cat('ran b')");

    const stored = await eventually(
      async () =>
        (await readText('results/a/result.json')) !== undefined &&
        (await readText('results/sub dir/b é/result.json')) !== undefined,
      60_000,
    );

    expect(stored).toBe(true);
    const a = JSON.parse((await readText('results/a/result.json'))!);
    expect(a.stdout).toBe('ran a');
    expect(a.artifacts.map((artifact: { name: string }) => artifact.name)).toEqual(['out.txt']);
    expect(await readText('results/a/out.txt')).toBe('from a\n');
    const b = JSON.parse((await readText('results/sub dir/b é/result.json'))!);
    expect(b.stdout).toBe('ran b');
    expect(await readText('results/sub dir/b é/b.txt')).toBe('from b\n');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'results/sub dir/b é/result.json' }),
    );
    expect(head.Metadata?.['source-etag']).toBe(eTag);
  });

  it('replays a repeated event without starting a container', async () => {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'jobs/sub dir/b é.R' }),
    );
    const before = runsStarted();

    const response = await service.post(
      '/events/s3',
      objectCreatedEvent('jobs/sub dir/b é.R', head.ETag!.replace(/"/g, '')),
    );

    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(1);
    const entry = response.body.results[0];
    expect(entry.status).toBe('replayed');
    expect(entry.key).toBe('jobs/sub dir/b é.R');
    expect(entry.result_key).toBe('results/sub dir/b é/result.json');
    const download = await fetch(entry.result_url);
    expect(download.status).toBe(200);
    expect(JSON.parse(await download.text()).stdout).toBe('ran b');
    expect(runsStarted()).toBe(before);
  });

  it('skips records outside the input prefix', async () => {
    const response = await service.post('/events/s3', objectCreatedEvent('other/x.R', 'e1'));

    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({ status: 'skipped', key: 'other/x.R' });
  });

  it('rejects an event with an invalid credential', async () => {
    const response = await service.post('/events/s3', objectCreatedEvent('jobs/a.R', 'e1'), {
      authorization: 'Bearer wrong',
    });

    expect(response.status).toBe(401);
  });
});

describe('POST /batch', () => {
  it('returns one result per job in order', async () => {
    const jobs: Record<string, unknown>[] = [];
    for (let i = 0; i < 15; i++) {
      jobs.push({ id: `ok-${i}`, script: `cat(${i})` });
    }
    jobs.push({ id: 'stop-1', script: "stop('first')" });
    jobs.push({ id: 'stop-2', script: "stop('second')" });
    jobs.push({ id: 'slow', script: 'Sys.sleep(20)', timeout_seconds: 1 });
    jobs.push({ id: 'invalid', script: 'cat(1)', unknown_field: true });
    jobs.push({ id: 'too-long', script: 'cat(1)', timeout_seconds: 100_000 });

    const response = await service.post('/batch', { jobs });

    expect(response.status).toBe(200);
    expect(response.body.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    const results = response.body.results;
    expect(results.map((r: { id: string }) => r.id)).toEqual(jobs.map((job) => job.id));
    for (let i = 0; i < 15; i++) {
      expect(results[i]).toMatchObject({ status: 'ok', result: { stdout: String(i) } });
    }
    expect(results[15]).toMatchObject({ status: 'ok', result: { success: false, exit_code: 1 } });
    expect(results[15].result.stderr).toContain('first');
    expect(results[16]).toMatchObject({ status: 'ok', result: { success: false } });
    expect(results[17]).toMatchObject({ status: 'ok', result: { timed_out: true } });
    expect(results[18]).toMatchObject({ status: 'error', error: { code: 'invalid_request' } });
    expect(results[19]).toMatchObject({ status: 'error', error: { code: 'timeout_too_large' } });
  });

  it('rejects repeated job ids with 400', async () => {
    const response = await service.post('/batch', {
      jobs: [
        { id: 'a', script: 'cat(1)' },
        { id: 'a', script: 'cat(2)' },
      ],
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('duplicate_job_id');
  });
});

describe('scheduled sweep', () => {
  it('runs a script that arrived while the function was down', async () => {
    await service.stop();
    await upload('jobs/late.R', "cat('late')");
    service = await startService(serviceEnvironment());

    const response = await fetch(`${service.url}/`, { method: 'POST' });

    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer.remaining).toBe(0);
    // MinIO may deliver the queued event first; then the sweep finds nothing left to run.
    const late = answer.results.find((entry: { key: string }) => entry.key === 'jobs/late.R');
    if (late) {
      expect(['ran', 'replayed']).toContain(late.status);
    }
    const stored = await eventually(
      async () => (await readText('results/late/result.json')) !== undefined,
      30_000,
    );
    expect(stored).toBe(true);
    expect(JSON.parse((await readText('results/late/result.json'))!).stdout).toBe('late');
  });

  it('rejects a sweep with a credential that does not verify', async () => {
    const response = await fetch(`${service.url}/events/cron`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
    });

    expect(response.status).toBe(401);
  });

  it('still runs a script posted to the root with a JSON body', async () => {
    const response = await service.post('/', { script: 'cat(7)' });

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('7');
  });
});
