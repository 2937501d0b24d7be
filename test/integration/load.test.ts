import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRemoved } from '../support/docker.js';
import { startService, type TestService } from '../support/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startService({ MAX_CONCURRENT_RUNS: '2', MAX_QUEUED_RUNS: '3' });
});

afterAll(async () => {
  await service?.stop();
});

describe('concurrent runs', () => {
  it('queues, then rejects with 429', async () => {
    const requests = Array.from({ length: 12 }, (_, i) =>
      service.post('/run', { script: `Sys.sleep(1); cat(${i})` }),
    );

    const responses = await Promise.all(requests);

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    responses.forEach((response, i) => {
      if (response.status === 200) {
        expect(response.body.stdout).toBe(String(i));
      } else {
        expect(response.status).toBe(429);
        expect(response.body.error.code).toBe('too_many_runs');
        expect(response.headers.get('retry-after')).toBe('2');
      }
    });
    expect(await allRemoved(service.instanceId)).toBe(true);
  });
});
