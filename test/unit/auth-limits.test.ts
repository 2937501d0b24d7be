import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Caller, CallerLimits } from '../../handler/auth/authenticate.js';
import { ALL_SCOPES } from '../../handler/auth/scopes.js';
import { loadConfig } from '../../handler/config/config.js';
import type { ContainerRuntime } from '../../handler/runner/docker-runtime.js';
import { RunnerService } from '../../handler/service.js';
import type { ArtifactStore } from '../../handler/storage/artifact-store.js';

const MIB = 1024 * 1024;
const config = loadConfig(
  { RUN_TIMEOUT_SECONDS: '30', RUN_MEMORY_MB: '512', MAX_ARTIFACT_COUNT: '10' },
  join(tmpdir(), 'r-runner-no-secrets'),
);
// effectiveLimits touches neither Docker nor S3, so empty stand-ins are enough.
const service = new RunnerService(
  config,
  {} as ContainerRuntime,
  {} as ArtifactStore,
  pino({ level: 'silent' }),
  'unit-test',
);

function caller(limits?: CallerLimits): Caller {
  return { subject: 'alice', identity: 'jwt:alice', scopes: new Set(ALL_SCOPES), limits };
}

function request(timeoutSeconds?: number) {
  return { script: 'cat(1)', files: [], timeoutSeconds };
}

describe('RunnerService.effectiveLimits', () => {
  it('keeps the server limits without limit claims', () => {
    const limits = service.effectiveLimits(request(), caller());

    expect(limits).toEqual(config.limits);
  });

  it.each([
    ['max_timeout_seconds', { maxTimeoutSeconds: 3600 }],
    ['max_memory_mb', { maxMemoryMb: 65_536 }],
    ['max_artifact_count', { maxArtifactCount: 1000 }],
  ])('caps %s above the server limit', (_claim, limits) => {
    const effective = service.effectiveLimits(request(), caller(limits));

    expect(effective).toEqual(config.limits);
  });

  it('lowers each limit to the claims below the server limits', () => {
    const limits = { maxTimeoutSeconds: 5, maxMemoryMb: 128, maxArtifactCount: 2 };

    const effective = service.effectiveLimits(request(), caller(limits));

    expect(effective.timeoutSeconds).toBe(5);
    expect(effective.memoryBytes).toBe(128 * MIB);
    expect(effective.maxArtifactCount).toBe(2);
  });

  it('lowers the address space with the memory', () => {
    const effective = service.effectiveLimits(request(), caller({ maxMemoryMb: 128 }));

    expect(effective.addressSpaceBytes).toBe((128 + 256) * MIB);
    expect(config.limits.addressSpaceBytes).toBe((512 + 256) * MIB);
  });

  it.each([
    ['the request asks for less', 4, { maxTimeoutSeconds: 10 }, 4],
    ['the token allows less', 20, { maxTimeoutSeconds: 10 }, 10],
    ['the token sets nothing', 20, undefined, 20],
  ])('takes the lowest timeout when %s', (_name, requested, limits, expected) => {
    const effective = service.effectiveLimits(request(requested), caller(limits));

    expect(effective.timeoutSeconds).toBe(expected);
  });

  it('leaves the server limits unchanged', () => {
    service.effectiveLimits(request(1), caller({ maxTimeoutSeconds: 1, maxMemoryMb: 64 }));

    expect(config.limits.timeoutSeconds).toBe(30);
    expect(config.limits.memoryBytes).toBe(512 * MIB);
  });
});
