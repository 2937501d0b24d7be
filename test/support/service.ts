import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVER_BUNDLE = fileURLToPath(new URL('../../dist/server.mjs', import.meta.url));

/** A bundled r-runner process started for a test, on a free loopback port. */
export interface TestService {
  url: string;
  token: string;
  instanceId: string;
  pid: number;
  logs(): string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
  /** Sends SIGKILL, as a crash or an OOM kill of the function would. */
  kill(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // The JSON body; tests read fields of every route's response from it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** S3 settings for tests, from the environment that scripts/test.sh exports. */
export function storageEnvironment(): Record<string, string> {
  const required = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
  const missing = required.filter((name) => !process.env[name]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: run the tests through scripts/test.sh`);
  }
  return Object.fromEntries(required.map((name) => [name, process.env[name]!]));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

/** Starts the bundle; `env.PORT` and `env.RUNNER_TOKEN` replace the free port and new token. */
export async function startService(env: Record<string, string> = {}): Promise<TestService> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const token = env.RUNNER_TOKEN ?? randomBytes(16).toString('hex');
  const instanceId = env.RUNNER_INSTANCE_ID ?? `test-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    env: {
      PATH: process.env.PATH,
      DOCKER_HOST: process.env.DOCKER_HOST,
      HOST: '127.0.0.1',
      PORT: String(port),
      RUNNER_TOKEN: token,
      RUNNER_INSTANCE_ID: instanceId,
      S3_BUCKET: 'r-runner-test',
      LOG_LEVEL: 'debug',
      ...storageEnvironment(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, () => output);

  const request = async (method: string, path: string, body?: unknown, headers = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: encodeBody(body),
    });
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, body: json, text };
  };

  return {
    url,
    token,
    instanceId,
    pid: child.pid!,
    logs: () => output,
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path, headers) => request('GET', path, undefined, headers),
    stop: () => terminate(child, 'SIGTERM'),
    kill: () => terminate(child, 'SIGKILL'),
  };
}

async function waitForHealth(url: string, child: ChildProcess, logs: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`r-runner exited with ${child.exitCode}:\n${logs()}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`r-runner did not respond to /health within 30 s:\n${logs()}`);
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Resident memory of a process in bytes, from /proc. */
export async function residentBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return kib * 1024;
}

/** Sends strings as they are, so tests can send malformed JSON, and anything else as JSON. */
function encodeBody(body: unknown): string | undefined {
  if (body === undefined || typeof body === 'string') {
    return body;
  }
  return JSON.stringify(body);
}
