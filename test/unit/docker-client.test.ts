import type Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../handler/config/config.js';
import { createDockerClient } from '../../handler/runner/docker-client.js';

/** The connection settings docker-modem keeps; its type declarations leave them out. */
interface ModemSettings {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function settings(docker: Docker): ModemSettings {
  return docker.modem as unknown as ModemSettings;
}

let root: string;
let secretsDir: string;
let emptySecrets: string;

/** Writes the three PEM files (fake contents) into a folder under the test's root. */
function writeTls(folder: string, names: [string, string, string], tag: string): string {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  const [ca, cert, key] = names;
  writeFileSync(join(dir, ca), `${tag} ca`);
  writeFileSync(join(dir, cert), `${tag} cert`);
  writeFileSync(join(dir, key), `${tag} key`);
  return dir;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'r-runner-docker-client-'));
  secretsDir = join(root, 'secrets');
  emptySecrets = join(root, 'no-secrets');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('createDockerClient', () => {
  it('uses the local socket without DOCKER_HOST', () => {
    const docker = createDockerClient({}, emptySecrets);

    expect(settings(docker).socketPath).toBe('/var/run/docker.sock');
    expect(settings(docker).host).toBeUndefined();
  });

  it('uses the socket of a unix:// DOCKER_HOST', () => {
    const docker = createDockerClient({ DOCKER_HOST: 'unix:///run/other.sock' }, emptySecrets);

    expect(settings(docker).socketPath).toBe('/run/other.sock');
  });

  it('speaks plain HTTP to a tcp:// DOCKER_HOST without TLS material', () => {
    const docker = createDockerClient({ DOCKER_HOST: 'tcp://10.0.0.5' }, emptySecrets);

    expect(settings(docker)).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http' });
  });

  it('reads the OpenFaaS secrets docker-ca, docker-cert and docker-key', () => {
    writeTls('secrets', ['docker-ca', 'docker-cert', 'docker-key'], 'secret');

    const docker = createDockerClient({ DOCKER_HOST: 'tcp://127.0.0.1:2376' }, secretsDir);

    const modem = settings(docker);
    expect(modem).toMatchObject({ host: '127.0.0.1', port: 2376, protocol: 'https' });
    expect(modem.ca?.toString()).toBe('secret ca');
    expect(modem.cert?.toString()).toBe('secret cert');
    expect(modem.key?.toString()).toBe('secret key');
  });

  it('prefers the secret files to DOCKER_TLS_* and DOCKER_CERT_PATH', () => {
    writeTls('secrets', ['docker-ca', 'docker-cert', 'docker-key'], 'secret');
    const variables = writeTls('variables', ['ca', 'cert', 'key'], 'variable');
    const certPath = writeTls('cert-path', ['ca.pem', 'cert.pem', 'key.pem'], 'cert-path');

    const docker = createDockerClient(
      {
        DOCKER_HOST: 'tcp://127.0.0.1:2376',
        DOCKER_TLS_CA: join(variables, 'ca'),
        DOCKER_TLS_CERT: join(variables, 'cert'),
        DOCKER_TLS_KEY: join(variables, 'key'),
        DOCKER_CERT_PATH: certPath,
      },
      secretsDir,
    );

    expect(settings(docker).cert?.toString()).toBe('secret cert');
  });

  it('reads the files named by DOCKER_TLS_CA, DOCKER_TLS_CERT and DOCKER_TLS_KEY', () => {
    const variables = writeTls('variables', ['ca', 'cert', 'key'], 'variable');
    const certPath = writeTls('cert-path', ['ca.pem', 'cert.pem', 'key.pem'], 'cert-path');

    const docker = createDockerClient(
      {
        DOCKER_HOST: 'tcp://docker.internal:2376',
        DOCKER_TLS_CA: join(variables, 'ca'),
        DOCKER_TLS_CERT: join(variables, 'cert'),
        DOCKER_TLS_KEY: join(variables, 'key'),
        DOCKER_CERT_PATH: certPath,
      },
      emptySecrets,
    );

    expect(settings(docker)).toMatchObject({ host: 'docker.internal', protocol: 'https' });
    expect(settings(docker).key?.toString()).toBe('variable key');
  });

  it('reads ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH', () => {
    const certPath = writeTls('cert-path', ['ca.pem', 'cert.pem', 'key.pem'], 'cert-path');

    const docker = createDockerClient(
      { DOCKER_HOST: '127.0.0.1:12376', DOCKER_CERT_PATH: certPath, DOCKER_TLS_VERIFY: '1' },
      emptySecrets,
    );

    expect(settings(docker)).toMatchObject({ host: '127.0.0.1', port: 12376, protocol: 'https' });
    expect(settings(docker).ca?.toString()).toBe('cert-path ca');
  });

  it('defaults to port 2376 and strips IPv6 brackets', () => {
    writeTls('secrets', ['docker-ca', 'docker-cert', 'docker-key'], 'secret');

    const docker = createDockerClient({ DOCKER_HOST: 'tcp://[::1]' }, secretsDir);

    expect(settings(docker)).toMatchObject({ host: '::1', port: 2376, protocol: 'https' });
  });

  it.each([
    [
      'a secret file is missing',
      { DOCKER_HOST: 'tcp://127.0.0.1:2376' },
      ['docker-ca'],
      /docker-cert.*docker-key/,
    ],
    [
      'a DOCKER_TLS_* variable is missing',
      {
        DOCKER_HOST: 'tcp://127.0.0.1:2376',
        DOCKER_TLS_CA: '/x/ca.pem',
        DOCKER_TLS_KEY: '/x/key.pem',
      },
      [],
      /Missing: DOCKER_TLS_CERT/,
    ],
    [
      'a named file does not exist',
      {
        DOCKER_HOST: 'tcp://127.0.0.1:2376',
        DOCKER_TLS_CA: '/nonexistent/ca.pem',
        DOCKER_TLS_CERT: '/nonexistent/cert.pem',
        DOCKER_TLS_KEY: '/nonexistent/key.pem',
      },
      [],
      /cannot read the Docker TLS file DOCKER_TLS_CA \(\/nonexistent\/ca\.pem\)/,
    ],
    [
      'DOCKER_HOST is unset',
      {},
      ['docker-ca', 'docker-cert', 'docker-key'],
      /DOCKER_HOST must be tcp:\/\/<host>:2376, got nothing/,
    ],
    [
      'DOCKER_HOST is a unix socket',
      { DOCKER_HOST: 'unix:///var/run/docker.sock' },
      ['docker-ca', 'docker-cert', 'docker-key'],
      /DOCKER_HOST must be tcp/,
    ],
    [
      'DOCKER_HOST names no host',
      { DOCKER_HOST: 'tcp://:2376' },
      ['docker-ca', 'docker-cert', 'docker-key'],
      /DOCKER_HOST/,
    ],
  ])('rejects the configuration when %s', (_, env, secretFiles, message) => {
    mkdirSync(secretsDir, { recursive: true });
    for (const name of secretFiles) {
      writeFileSync(join(secretsDir, name), 'pem');
    }

    const create = () => createDockerClient(env, secretsDir);

    expect(create).toThrow(ConfigError);
    expect(create).toThrow(message);
  });
});
