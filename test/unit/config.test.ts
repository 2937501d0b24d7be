import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../handler/config/config.js';

const noSecrets = join(tmpdir(), 'r-runner-no-secrets');

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, noSecrets);

    expect(config.port).toBe(8080);
    expect(config.image).toBe('r-runner/r-base:latest');
    expect(config.limits.timeoutSeconds).toBe(30);
    expect(config.request.maxScriptBytes).toBe(500_000);
    expect(config.limits.maxArtifactCount).toBe(10);
    expect(config.limits.maxArtifactBytes).toBe(5_000_000);
    expect(config.token).toBeUndefined();
  });

  it('reads limits from the environment', () => {
    const config = loadConfig(
      { RUN_TIMEOUT_SECONDS: '5', RUN_MEMORY_MB: '256', RUN_CPUS: '0.5', MAX_ARTIFACT_COUNT: '3' },
      noSecrets,
    );

    expect(config.limits.timeoutSeconds).toBe(5);
    expect(config.limits.memoryBytes).toBe(256 * 1024 * 1024);
    expect(config.limits.addressSpaceBytes).toBe(512 * 1024 * 1024);
    expect(config.limits.nanoCpus).toBe(500_000_000);
    expect(config.limits.maxArtifactCount).toBe(3);
  });

  it.each([
    ['RUN_TIMEOUT_SECONDS', 'soon'],
    ['RUN_TIMEOUT_SECONDS', '0'],
    ['PORT', '70000'],
    ['RUN_CPUS', '-1'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value }, noSecrets)).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, noSecrets)).toThrow(name);
  });

  it('prefers a secret file over the environment variable', () => {
    const secrets = mkdtempSync(join(tmpdir(), 'r-runner-secrets-'));
    writeFileSync(join(secrets, 'runner-token'), 'from-file\n');

    const config = loadConfig({ RUNNER_TOKEN: 'from-env' }, secrets);

    expect(config.token).toBe('from-file');
  });

  it('keeps secrets out of the logged description', () => {
    const config = loadConfig(
      { RUNNER_TOKEN: 'tok-123', S3_ACCESS_KEY_ID: 'key-456', S3_SECRET_ACCESS_KEY: 'secret-789' },
      noSecrets,
    );

    const logged = JSON.stringify(describeConfig(config));

    expect(logged).not.toContain('tok-123');
    expect(logged).not.toContain('key-456');
    expect(logged).not.toContain('secret-789');
    expect(logged).toContain('"tokenConfigured":true');
  });
});
