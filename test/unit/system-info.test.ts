import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Authenticator } from '../../handler/auth/authenticate.js';
import { ConfigError, loadConfig } from '../../handler/config/config.js';
import { RequestError } from '../../handler/errors.js';
import type { FunctionEvent } from '../../handler/http/function-types.js';
import { route, type RouteDependencies } from '../../handler/http/routes.js';
import type { ContainerRuntime } from '../../handler/runner/docker-runtime.js';
import { INVENTORY_PATH, SystemInfoReader } from '../../handler/runner/system-info.js';
import type { RunnerService } from '../../handler/service.js';
import type { RunRequestValidator } from '../../handler/validation/run-request.js';

const BASE = 'r-runner/r-base:latest';
const FULL = 'r-runner/r-full:latest';
const noSecrets = join(tmpdir(), 'r-runner-no-secrets');

/** A runtime with two images whose inventories differ; counts the inventory reads. */
class FakeRuntime {
  readonly imageIds: Record<string, string> = { [BASE]: 'sha256:base', [FULL]: 'sha256:full' };
  readonly reads: string[] = [];

  imageId(image: string): Promise<string> {
    return Promise.resolve(this.imageIds[image] ?? 'sha256:unknown');
  }

  readImageFile(image: string, path: string): Promise<Buffer> {
    this.reads.push(`${image} ${path}`);
    const packages =
      image === FULL
        ? [
            { name: 'dplyr', version: '1.0.10', priority: '', library: '/usr/lib/R/site-library' },
            { name: 'base', version: '4.2.2', priority: 'base', library: '/usr/lib/R/library' },
          ]
        : [{ name: 'base', version: '4.2.2', priority: 'base', library: '/usr/lib/R/library' }];
    const inventory = { r_version: '4.2.2', platform: 'x86_64-pc-linux-gnu', packages };
    return Promise.resolve(Buffer.from(JSON.stringify(inventory)));
  }
}

function readerFor(runtime: FakeRuntime, allowed: string[] = []): SystemInfoReader {
  return new SystemInfoReader(runtime as unknown as ContainerRuntime, BASE, allowed);
}

describe('SystemInfoReader', () => {
  let runtime: FakeRuntime;

  beforeEach(() => {
    runtime = new FakeRuntime();
  });

  it('reads the configured image by default', async () => {
    const reader = readerFor(runtime);

    const info = await reader.read();

    expect(info.image).toBe(BASE);
    expect(info.image_id).toBe('sha256:base');
    expect(runtime.reads).toEqual([`${BASE} ${INVENTORY_PATH}`]);
  });

  it('reads an allowed image with its packages sorted by name', async () => {
    const reader = readerFor(runtime, [FULL]);

    const info = await reader.read(FULL);

    expect(info.image).toBe(FULL);
    expect(info.image_id).toBe('sha256:full');
    expect(info.packages.map((item) => item.name)).toEqual(['base', 'dplyr']);
  });

  it('rejects an image outside the allow-list', async () => {
    const reader = readerFor(runtime, [FULL]);

    const failure = reader.read('debian:bookworm-slim');

    await expect(failure).rejects.toBeInstanceOf(RequestError);
    await expect(failure).rejects.toMatchObject({ status: 400, code: 'unknown_image' });
    expect(runtime.reads).toEqual([]);
  });

  it('reads each image once per image id', async () => {
    const reader = readerFor(runtime, [FULL]);

    await reader.read();
    await reader.read(FULL);
    await reader.read(BASE);
    await reader.read(FULL);
    runtime.imageIds[FULL] = 'sha256:rebuilt';
    const rebuilt = await reader.read(FULL);

    expect(runtime.reads).toHaveLength(3);
    expect(rebuilt.image_id).toBe('sha256:rebuilt');
  });
});

describe('RUNNER_IMAGES', () => {
  it('defaults to the configured image', () => {
    const config = loadConfig({ RUNNER_SCRIPT_IMAGE: FULL }, noSecrets);

    expect(config.images).toEqual([FULL]);
  });

  it('always contains the configured image', () => {
    const config = loadConfig({ RUNNER_IMAGES: ` ${FULL} ,, ${FULL}` }, noSecrets);

    expect(config.images).toEqual([BASE, FULL]);
  });

  it('rejects a list separated by spaces', () => {
    const load = () => loadConfig({ RUNNER_IMAGES: `${BASE} ${FULL}` }, noSecrets);

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/RUNNER_IMAGES/);
  });
});

describe('GET /system?image=', () => {
  const runtime = new FakeRuntime();
  const reader = readerFor(runtime, [FULL]);
  const deps: RouteDependencies = {
    authenticator: new Authenticator({ token: 'static-s3cret' }),
    service: {
      system: (image?: string) => reader.read(image),
    } as unknown as RunnerService,
    validator: {} as RunRequestValidator,
    logger: pino({ level: 'silent' }),
  };

  function request(query: Record<string, unknown>): FunctionEvent {
    return {
      method: 'GET',
      path: '/system',
      headers: { authorization: 'Bearer static-s3cret' },
      body: undefined,
      query,
    };
  }

  it('returns the configured image without the parameter', async () => {
    const response = await route(request({}), deps);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ image: BASE, image_id: 'sha256:base' });
  });

  it('returns an allowed image', async () => {
    const response = await route(request({ image: FULL }), deps);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ image: FULL, image_id: 'sha256:full' });
  });

  it('returns 400 unknown_image outside the allow-list', async () => {
    const response = await route(request({ image: 'alpine:latest' }), deps);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'unknown_image' } });
  });

  it('returns 400 when the parameter is repeated', async () => {
    const response = await route(request({ image: [BASE, FULL] }), deps);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
