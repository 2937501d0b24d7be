import type { Logger } from 'pino';
import { PassThrough } from 'node:stream';
import { describeError } from '../errors.js';
import { HELPERS, KEEPER_USER, RUNNER_UID } from './container-spec.js';
import type { RunContainer } from './docker-runtime.js';
import { OutputCapture } from './output-capture.js';
import type { ScriptJob } from './script-runner.js';
import { readWorkspace, type CollectedWorkspace } from './workspace-archive.js';

/** Maximum time for reading the workspace back, which is at most RUN_WORKSPACE_MB of tmpfs. */
const COLLECT_TIMEOUT_MS = 60_000;
const REPORT_BYTES = 64 * 1024;

/**
 * Collects the workspace and kills the container when that takes longer than
 * COLLECT_TIMEOUT_MS, so no run keeps its slot past its limits whatever its processes do.
 */
export async function collectWorkspace(
  container: RunContainer,
  job: ScriptJob,
  log: Logger,
): Promise<Collected> {
  const deadline = setTimeout(() => {
    log.warn(
      { timeoutMs: COLLECT_TIMEOUT_MS },
      'collecting the workspace timed out; killing the container',
    );
    void container.kill().catch(() => undefined);
  }, COLLECT_TIMEOUT_MS);
  try {
    return await collect(container, job);
  } finally {
    clearTimeout(deadline);
  }
}

async function collect(container: RunContainer, job: ScriptJob): Promise<Collected> {
  const archive = new PassThrough();
  const report = new OutputCapture(REPORT_BYTES);
  archive.on('error', () => undefined);
  const reading = readWorkspace(archive, job.limits, job.files);
  // A parse failure must not leave the exec waiting for the archive to drain.
  reading.catch(() => archive.destroy());

  try {
    const exitCode = await container.exec([HELPERS.collect], {
      user: KEEPER_USER,
      env: [`R_RUNNER_UID=${RUNNER_UID}`],
      stdout: archive,
      stderr: report,
    });
    if (!archive.destroyed) {
      archive.end();
    }
    const workspace = await reading;
    const reportText = report.result().text;
    const oomKills = Number(/oom_kill (\d+)/.exec(reportText)?.[1] ?? 0);
    const strays = /strays 1/.test(reportText);
    if (exitCode !== 0) {
      return {
        workspace,
        oomKills,
        strays,
        error: `collect helper exited with ${exitCode}: ${reportText.trim()}`,
      };
    }
    return { workspace, oomKills, strays };
  } catch (error) {
    archive.destroy();
    await reading.catch(() => undefined);
    return {
      workspace: { files: [], skipped: [] },
      oomKills: 0,
      strays: false,
      error: describeError(error),
    };
  }
}

export interface Collected {
  workspace: CollectedWorkspace;
  oomKills: number;
  /** True when processes of the script's user were still alive at collection. */
  strays: boolean;
  error?: string;
}
