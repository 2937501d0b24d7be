import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../handler/errors.js';
import { RunQueue } from '../../handler/runner/run-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('RunQueue', () => {
  it('runs at most maxConcurrent tasks at once, in arrival order', async () => {
    const queue = new RunQueue(2, 10);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];

    const runs = gates.map((gate, index) =>
      queue.run(async () => {
        started.push(index);
        await gate.promise;
      }),
    );
    await Promise.resolve();

    expect(started).toEqual([0, 1]);
    expect(queue.queued).toBe(1);

    gates[0]!.resolve();
    await runs[0];
    await Promise.resolve();

    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all(runs);
    expect(queue.running).toBe(0);
  });

  it('rejects with 429 and Retry-After when the queue is full', async () => {
    const queue = new RunQueue(1, 1);
    const gate = deferred();
    const first = queue.run(() => gate.promise);
    const second = queue.run(() => Promise.resolve());

    const third = queue.run(() => Promise.resolve());

    await expect(third).rejects.toBeInstanceOf(ServiceError);
    await expect(third).rejects.toMatchObject({ status: 429, code: 'too_many_runs' });
    await third.catch((error: ServiceError) => {
      expect(error.headers['Retry-After']).toBe('2');
    });
    gate.resolve();
    await Promise.all([first, second]);
  });

  it('queues a waitForSlot task past maxQueued', async () => {
    const queue = new RunQueue(1, 0);
    const gate = deferred();
    const first = queue.run(() => gate.promise);

    const second = queue.run(() => Promise.resolve('waited'), { waitForSlot: true });
    await Promise.resolve();

    expect(queue.queued).toBe(1);
    expect(queue.running).toBe(1);
    gate.resolve();
    await expect(second).resolves.toBe('waited');
    await first;
    expect(queue.running).toBe(0);
  });

  it('still rejects other tasks while waitForSlot tasks wait', async () => {
    const queue = new RunQueue(1, 0);
    const gate = deferred();
    const first = queue.run(() => gate.promise);
    const waiting = queue.run(() => Promise.resolve(), { waitForSlot: true });

    const rejected = queue.run(() => Promise.resolve());

    await expect(rejected).rejects.toMatchObject({ status: 429, code: 'too_many_runs' });
    gate.resolve();
    await Promise.all([first, waiting]);
  });

  it('frees the slot when a task throws', async () => {
    const queue = new RunQueue(1, 0);

    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    await expect(queue.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
