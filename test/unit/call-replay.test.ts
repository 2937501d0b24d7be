import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../handler/auth/authenticate.js';
import { loadConfig } from '../../handler/config/config.js';
import { UnavailableError } from '../../handler/errors.js';
import type { ContainerRuntime } from '../../handler/runner/docker-runtime.js';
import type { RunResult } from '../../handler/runner/run-result.js';
import { RunnerService } from '../../handler/service.js';
import type { ArtifactStore } from '../../handler/storage/artifact-store.js';
import type { CallResultStore } from '../../handler/storage/call-results.js';
import type { ParsedRunRequest } from '../../handler/validation/run-request.js';

const request = { script: 'cat(2+2)', files: [] } as unknown as ParsedRunRequest;
const alice = { subject: 'alice', identity: 'jwt:alice', scopes: new Set() } as unknown as Caller;
const bob = { subject: 'bob', identity: 'jwt:bob', scopes: new Set() } as unknown as Caller;

function runResult(runId: string, extra: Partial<RunResult> = {}): RunResult {
  return { run_id: runId, exit_code: 0, stdout: '4', artifacts: [], ...extra } as RunResult;
}

/** Creates a call result store in memory, keyed like the S3 one by caller and call id. */
function memoryCallResults() {
  const saved = new Map<string, RunResult>();
  return {
    saved,
    find: vi.fn(async (callId: string, identity: string) => saved.get(`${identity}/${callId}`)),
    save: vi.fn(async (callId: string, identity: string, result: RunResult) => {
      saved.set(`${identity}/${callId}`, result);
    }),
  };
}

let callResults: ReturnType<typeof memoryCallResults>;
let service: RunnerService;
let execute: ReturnType<typeof vi.fn>;
let runs = 0;

beforeEach(() => {
  runs = 0;
  callResults = memoryCallResults();
  service = new RunnerService(
    loadConfig({}, join(tmpdir(), 'r-runner-no-secrets')),
    {} as ContainerRuntime,
    {} as ArtifactStore,
    pino({ level: 'silent' }),
    'test-instance',
    callResults as unknown as CallResultStore,
  );
  // The container part of a run is replaced, because these tests are about what happens around it.
  execute = vi.fn(async () => runResult(`run-${++runs}`));
  Object.assign(service, { execute });
});

describe('RunnerService call id replay', () => {
  it('runs every call without an X-Call-Id', async () => {
    const first = await service.run(request, alice);
    const second = await service.run(request, alice);

    expect(first).toEqual({ result: runResult('run-1'), replayed: false });
    expect(second).toEqual({ result: runResult('run-2'), replayed: false });
    expect(callResults.find).not.toHaveBeenCalled();
    expect(callResults.save).not.toHaveBeenCalled();
  });

  it('stores the first result and replays it for a repeated call id', async () => {
    const first = await service.run(request, alice, 'call-1');
    const repeated = await service.run(request, alice, 'call-1');

    expect(first).toEqual({ result: runResult('run-1'), replayed: false });
    expect(repeated).toEqual({ result: runResult('run-1'), replayed: true });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(callResults.save).toHaveBeenCalledWith('call-1', 'jwt:alice', runResult('run-1'));
  });

  it('runs once when the same call id arrives twice at the same time', async () => {
    const [first, second] = await Promise.all([
      service.run(request, alice, 'call-1'),
      service.run(request, alice, 'call-1'),
    ]);

    expect(execute).toHaveBeenCalledTimes(1);
    expect(first.result.run_id).toBe('run-1');
    expect(second.result.run_id).toBe('run-1');
    expect([first.replayed, second.replayed].sort()).toEqual([false, true]);
  });

  it('keeps the results of different callers apart', async () => {
    await service.run(request, alice, 'call-1');
    const other = await service.run(request, bob, 'call-1');

    expect(other).toEqual({ result: runResult('run-2'), replayed: false });
    expect(callResults.find).toHaveBeenLastCalledWith('call-1', 'jwt:bob');
  });

  it('does not store a run whose container failed before the script started', async () => {
    const failed = runResult('failed-run', { exit_code: null, runtime_stderr: 'receive failed' });
    execute.mockResolvedValueOnce(failed);

    await service.run(request, alice, 'call-1');
    const retried = await service.run(request, alice, 'call-1');

    expect(callResults.save).toHaveBeenCalledTimes(1);
    expect(callResults.save).toHaveBeenCalledWith('call-1', 'jwt:alice', runResult('run-1'));
    expect(retried).toEqual({ result: runResult('run-1'), replayed: false });
  });

  it('stores nothing when the run fails with a 5xx error', async () => {
    execute.mockRejectedValueOnce(new UnavailableError('container_runtime_unavailable', 'down'));

    const failed = service.run(request, alice, 'call-1');

    await expect(failed).rejects.toMatchObject({ status: 503 });
    expect(callResults.save).not.toHaveBeenCalled();
    expect((await service.run(request, alice, 'call-1')).replayed).toBe(false);
  });
});
