import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './docker.js';
import { freePort } from './service.js';

const run = promisify(execFile);
const MAIN_DOCKERD_PIDFILE = '/var/run/docker.pid';

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

export function dockerAnswers(): Promise<boolean> {
  return succeeds('docker', ['info']);
}

/**
 * Stops the Docker daemon with SIGTERM and waits until its process has exited, so that a new
 * daemon can take its pid file and socket.
 */
export async function stopDockerd(): Promise<void> {
  // Only the daemon behind /var/run/docker.sock: other daemons, such as a TLS test's, stay.
  const pid = Number((await readFile(MAIN_DOCKERD_PIDFILE, 'utf8')).trim());
  process.kill(pid, 'SIGTERM');
  const exited = await eventually(
    async () => !(await succeeds('kill', ['-0', String(pid)])),
    60_000,
  );
  if (!exited) {
    throw new Error(`dockerd (pid ${pid}) is still running 60 s after SIGTERM`);
  }
}

/** Starts the Docker daemon the way scripts/lib/services.sh does and waits for it. */
export async function startDockerd(): Promise<void> {
  if (await dockerAnswers()) {
    return;
  }
  const log = openSync(join(process.env.R_RUNNER_STATE ?? tmpdir(), 'dockerd.log'), 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  if (!(await eventually(dockerAnswers, 60_000))) {
    throw new Error('dockerd did not answer within 60 s of starting');
  }
}

/** A MinIO server of a test's own, on a free loopback port with its own data folder. */
export interface TestMinio {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** `env` is added to the server's environment, such as MINIO_NOTIFY_WEBHOOK_* targets. */
export async function createMinio(env: Record<string, string> = {}): Promise<TestMinio> {
  const binary = process.env.MINIO_BINARY;
  if (!binary) {
    throw new Error('MINIO_BINARY is not set: run the tests through scripts/test.sh');
  }
  const port = await freePort();
  const consolePort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'r-runner-minio-'));
  const accessKeyId = 'fault-test';
  const secretAccessKey = 'fault-test-secret-key';
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;

  const ready = async () => {
    try {
      return (await fetch(`${endpoint}/minio/health/ready`)).ok;
    } catch {
      return false;
    }
  };

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    async start() {
      child = spawn(
        binary,
        [
          'server',
          dataDir,
          '--address',
          `127.0.0.1:${port}`,
          '--console-address',
          `127.0.0.1:${consolePort}`,
        ],
        {
          env: {
            ...process.env,
            MINIO_ROOT_USER: accessKeyId,
            MINIO_ROOT_PASSWORD: secretAccessKey,
            MINIO_BROWSER: 'off',
            ...env,
          },
          stdio: 'ignore',
        },
      );
      if (!(await eventually(ready, 60_000))) {
        throw new Error(`MinIO did not become ready on ${endpoint}`);
      }
    },
    async stop() {
      if (!child || child.exitCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
