import Docker from 'dockerode';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OPENFAAS_SECRETS_DIR } from '../config/config.js';
import { ConfigError, type Environment } from '../config/env-reader.js';
import { describeError } from '../errors.js';

/** The Docker engine's conventional ports for the API over TLS and over plain TCP. */
const DOCKER_TLS_PORT = 2376;
const DOCKER_PLAIN_PORT = 2375;
const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';

/** The CA that signed the daemon's certificate, and the client's certificate and key. */
export interface DockerTlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** One way of configuring the three files, with the name each file has there. */
interface TlsSource {
  describe(part: keyof DockerTlsMaterial): string;
  path(part: keyof DockerTlsMaterial): string | undefined;
}

const TLS_PARTS = ['ca', 'cert', 'key'] as const;

/**
 * Creates the dockerode client for DOCKER_HOST. With TLS material the client speaks HTTPS,
 * checks the daemon's certificate against the CA and presents its own certificate (mutual
 * TLS). The first complete source of TLS material wins, in this order:
 *
 * 1. the OpenFaaS secrets docker-ca, docker-cert and docker-key,
 * 2. the files named by DOCKER_TLS_CA, DOCKER_TLS_CERT and DOCKER_TLS_KEY,
 * 3. ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, or in ~/.docker when only
 *    DOCKER_TLS_VERIFY is set, as the Docker CLI reads them.
 *
 * A source with some of its files missing throws a ConfigError, so start-up stops instead of
 * falling back to a weaker connection.
 */
export function createDockerClient(env: Environment, secretsDir = OPENFAAS_SECRETS_DIR): Docker {
  const tls = readDockerTls(env, secretsDir);
  const dockerHost = env.DOCKER_HOST?.trim() || undefined;

  if (tls) {
    if (!dockerHost || dockerHost.startsWith('unix://')) {
      const got = dockerHost ? JSON.stringify(dockerHost) : 'nothing';
      throw new ConfigError(
        'Docker TLS material is configured, so DOCKER_HOST must be ' +
          `tcp://<host>:${DOCKER_TLS_PORT}, got ${got}`,
      );
    }
    const { host, port } = parseTcpHost(dockerHost, DOCKER_TLS_PORT);
    return new Docker({ host, port, protocol: 'https', ...tls });
  }

  if (!dockerHost || dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost?.slice('unix://'.length) || DEFAULT_SOCKET_PATH;
    // docker-modem merges in defaults from process.env, so an explicit empty host keeps a
    // DOCKER_HOST set there from taking over.
    return new Docker({ socketPath, host: undefined });
  }
  if (/^(tcp|http):\/\//.test(dockerHost)) {
    const { host, port } = parseTcpHost(dockerHost, DOCKER_PLAIN_PORT);
    return new Docker({ host, port, protocol: 'http' });
  }
  // ssh:// and the other schemes that docker-modem understands, which it reads from
  // process.env itself.
  return new Docker();
}

/** Reads the client's TLS files from the first configured source, or returns undefined. */
function readDockerTls(
  env: Environment,
  secretsDir = OPENFAAS_SECRETS_DIR,
): DockerTlsMaterial | undefined {
  const secretFile = { ca: 'docker-ca', cert: 'docker-cert', key: 'docker-key' };
  const variable = { ca: 'DOCKER_TLS_CA', cert: 'DOCKER_TLS_CERT', key: 'DOCKER_TLS_KEY' };
  const certFile = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' };
  const certDir =
    env.DOCKER_CERT_PATH?.trim() ||
    (env.DOCKER_TLS_VERIFY?.trim() ? join(homedir(), '.docker') : undefined);

  const sources: TlsSource[] = [
    {
      describe: (part) => `secret file ${join(secretsDir, secretFile[part])}`,
      path: (part) => existingFile(join(secretsDir, secretFile[part])),
    },
    {
      describe: (part) => `${variable[part]} (${env[variable[part]]})`,
      path: (part) => env[variable[part]]?.trim() || undefined,
    },
    {
      describe: (part) => `${certFile[part]} in DOCKER_CERT_PATH (${certDir})`,
      path: (part) => (certDir ? join(certDir, certFile[part]) : undefined),
    },
  ];

  for (const source of sources) {
    const material = readSource(source);
    if (material) {
      return material;
    }
  }
  return undefined;
}

function readSource(source: TlsSource): DockerTlsMaterial | undefined {
  const paths = TLS_PARTS.map((part) => source.path(part));
  if (paths.every((path) => path === undefined)) {
    return undefined;
  }
  const missing = TLS_PARTS.filter((_, i) => paths[i] === undefined);
  if (missing.length > 0) {
    const names = missing.map((part) => source.describe(part)).join(', ');
    throw new ConfigError(
      `Docker TLS needs a CA, a client certificate and a key together. Missing: ${names}`,
    );
  }

  const [ca, cert, key] = TLS_PARTS.map((part, i) => readTlsFile(paths[i]!, source, part));
  return { ca: ca!, cert: cert!, key: key! };
}

function readTlsFile(path: string, source: TlsSource, part: keyof DockerTlsMaterial): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(
      `cannot read the Docker TLS file ${source.describe(part)}: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/**
 * Returns the path when something exists there, because OpenFaaS mounts only the secrets a
 * function was given. Any error but ENOENT keeps the path, so that reading it reports the error.
 */
function existingFile(path: string): string | undefined {
  try {
    statSync(path);
    return path;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : path;
  }
}

/** Parses tcp://host:port (the scheme may be left out, as the Docker CLI allows). */
function parseTcpHost(value: string, defaultPort: number): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `tcp://${value}`);
  } catch (error) {
    throw new ConfigError(
      `DOCKER_HOST must look like tcp://<host>:<port>, got ${JSON.stringify(value)}`,
      { cause: error },
    );
  }
  // URL keeps the brackets of an IPv6 literal, which Node's net module does not accept.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) {
    throw new ConfigError(`DOCKER_HOST names no host: ${JSON.stringify(value)}`);
  }
  return { host, port: url.port ? Number(url.port) : defaultPort };
}
