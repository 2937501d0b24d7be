import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { allRemoved, docker, eventually, runContainers } from '../support/docker.js';
import { createMinio, dockerAnswers, startDockerd, stopDockerd } from '../support/processes.js';
import { startService, type TestService } from '../support/service.js';

const services: TestService[] = [];

async function service(env: Record<string, string> = {}): Promise<TestService> {
  const started = await startService(env);
  services.push(started);
  return started;
}

afterAll(async () => {
  await startDockerd();
  await Promise.all(services.map((s) => s.stop()));
});

describe('Docker daemon stopped', () => {
  it('answers 503 while Docker is down and recovers, warm pool too', async () => {
    const runner = await service({ RUN_POOL_SIZE: '1' });
    const poolReady = async () => (await runner.get('/health/ready')).body.warm_pool?.ready === 1;
    expect(await eventually(poolReady, 30_000)).toBe(true);
    expect((await runner.post('/run', { script: 'cat(1)' })).status).toBe(200);
    expect(await eventually(poolReady, 30_000)).toBe(true);

    await stopDockerd();
    try {
      const down = await runner.post('/run', { script: 'cat(1)' });
      const live = await runner.get('/health');
      const ready = await runner.get('/health/ready');

      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('container_runtime_unavailable');
      expect(down.body.error.message).toContain('The container runtime (Docker) is unavailable');
      expect(down.headers.get('retry-after')).toBe('5');
      expect(live.status).toBe(200);
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.docker).toContain('Docker');
      expect(ready.body.checks.storage).toBe('ok');
    } finally {
      await startDockerd();
    }

    expect(await dockerAnswers()).toBe(true);
    const back = await runner.post('/run', { script: 'cat(2+2)' });
    expect(back.status).toBe(200);
    expect(back.body.stdout).toBe('4');
    expect((await runner.get('/health/ready')).status).toBe(200);
    // The warm containers died with the daemon; the pool starts new ones once it is back.
    expect(await eventually(poolReady, 60_000)).toBe(true);
    const warm = await runner.post('/run', { script: 'cat(3)' });
    expect(warm.body.stdout).toBe('3');

    // Containers that died with the daemon, and the pool's, are all removed in the end.
    await runner.stop();
    expect(await allRemoved(runner.instanceId, 15_000)).toBe(true);
  });
});

describe('storage stopped', () => {
  it('keeps the run result and names each file that could not be stored', async () => {
    const minio = await createMinio();
    await minio.start();
    const runner = await service({
      S3_ENDPOINT: minio.endpoint,
      S3_ACCESS_KEY_ID: minio.accessKeyId,
      S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
      S3_UPLOAD_ATTEMPTS: '3',
    });
    const script =
      "writeLines('a', 'a.txt'); writeLines('b', 'b.txt'); cat('printed'); quit(status = 2)";
    expect((await runner.post('/run', { script })).body.artifacts).toHaveLength(2);

    await minio.stop();
    const response = await runner.post('/run', { script });
    const ready = await runner.get('/health/ready');

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('printed');
    expect(response.body.exit_code).toBe(2);
    expect(response.body.artifacts).toEqual([]);
    expect(response.body.skipped_artifacts).toEqual([
      expect.objectContaining({ name: 'a.txt', reason: 'not_stored' }),
      expect.objectContaining({ name: 'b.txt', reason: 'not_stored' }),
    ]);
    expect(response.body.skipped_artifacts[0].message).toContain('after 3 attempts');
    const logged = async () => runner.logs().includes('failed to upload artifact');
    expect(await eventually(logged, 5_000)).toBe(true);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.storage).toContain('Artifact storage (S3) is unavailable');

    await minio.start();
    const recovered = await runner.post('/run', { script });
    expect(recovered.body.artifacts).toHaveLength(2);
  });
});

describe('function killed mid-run', () => {
  it('removes the containers it left when it starts again', async () => {
    const instanceId = `crash-${randomBytes(4).toString('hex')}`;
    const first = await service({ RUNNER_INSTANCE_ID: instanceId });
    const pending = first.post('/run', { script: 'Sys.sleep(60)' }).catch(() => undefined);
    expect(
      await eventually(async () => (await runContainers(instanceId)).length === 1, 30_000),
    ).toBe(true);

    await first.kill();
    await pending;
    expect(await runContainers(instanceId)).toHaveLength(1);

    const second = await service({ RUNNER_INSTANCE_ID: instanceId });

    expect(await runContainers(instanceId)).toEqual([]);
    expect(second.logs()).toContain('removed leftover run container');
  });

  it('sweeps stale run containers of any instance periodically', async () => {
    const stale = randomBytes(4).toString('hex');
    const fresh = randomBytes(4).toString('hex');
    const create = (instance: string, createdAt: string) =>
      docker(
        'create',
        '--label',
        'org.r-runner.owner=r-runner',
        '--label',
        `org.r-runner.instance=${instance}`,
        '--label',
        `org.r-runner.created-at=${createdAt}`,
        'r-runner/r-base:latest',
      );
    await create(stale, new Date(Date.now() - 3_600_000).toISOString());
    await create(fresh, new Date().toISOString());

    await service({
      RUN_TIMEOUT_SECONDS: '5',
      STALE_CONTAINER_SECONDS: '60',
      SWEEP_INTERVAL_SECONDS: '1',
    });

    expect(await eventually(async () => (await runContainers(stale)).length === 0, 10_000)).toBe(
      true,
    );
    expect(await runContainers(fresh)).toHaveLength(1);
    await docker('rm', '-f', ...(await runContainers(fresh)));
  });
});
