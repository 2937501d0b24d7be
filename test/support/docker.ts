import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** IDs of the containers that r-runner created, running or not, optionally of one instance. */
export async function runContainers(instanceId?: string): Promise<string[]> {
  const filters = ['--filter', 'label=org.r-runner.owner=r-runner'];
  if (instanceId) {
    filters.push('--filter', `label=org.r-runner.instance=${instanceId}`);
  }
  const { stdout } = await run('docker', ['ps', '-a', '-q', ...filters]);
  return stdout.split('\n').filter(Boolean);
}

/** Polls until `check` returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args);
  return stdout;
}

/**
 * True once no container of the instance is left. Containers are removed just after the
 * response is sent, so this allows `timeoutMs` for that.
 */
export function allRemoved(instanceId: string, timeoutMs = 3_000): Promise<boolean> {
  return eventually(async () => (await runContainers(instanceId)).length === 0, timeoutMs);
}
