import type { Logger } from 'pino';
import { PassThrough } from 'node:stream';
import type { RunLimits } from '../config/config.js';
import { describeError } from '../errors.js';
import { HELPERS, RUNNER_USER, buildContainerSpec, scriptEnvironment } from './container-spec.js';
import type { ContainerRuntime, RunContainer } from './docker-runtime.js';
import { OutputCapture, type CapturedOutput } from './output-capture.js';
import {
  packJob,
  readWorkspace,
  type CollectedWorkspace,
  type InputFile,
} from './workspace-archive.js';

export interface ScriptJob {
  runId: string;
  script: string;
  files: InputFile[];
  limits: RunLimits;
}

export interface RunOutcome {
  /** R's exit status; null when the script never started. */
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  /** What the container printed when it failed before the script started. */
  runtimeStderr?: string;
  durationMs: number;
  workspace: CollectedWorkspace;
  /** Why the workspace could not be read, when it could not. */
  collectError?: string;
}

/** How long the stop helper may take before the container is killed outright. */
const STOP_GRACE_MS = 3_000;
/** How long after the time limit a run may take before the container is killed outright. */
const HARD_DEADLINE_GRACE_MS = 10_000;
const HELPER_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs one script in a fresh container: send the job in, run R under the time limit, end
 * whatever the script left running, read the workspace back, and remove the container.
 */
export class ScriptRunner {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly image: string,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  async run(job: ScriptJob): Promise<RunOutcome> {
    const log = this.logger.child({ runId: job.runId });
    const spec = buildContainerSpec(this.image, job.limits, {
      runId: job.runId,
      instanceId: this.instanceId,
    });

    const startedAt = Date.now();
    const container = await this.runtime.startContainer(spec);
    log.debug({ containerId: container.id, ms: Date.now() - startedAt }, 'container started');

    try {
      return await this.runInContainer(container, job, log);
    } finally {
      await container.remove().catch((error: unknown) => {
        log.error(
          { containerId: container.id, err: describeError(error) },
          'failed to remove run container; the periodic sweep will retry',
        );
      });
    }
  }

  private async runInContainer(
    container: RunContainer,
    job: ScriptJob,
    log: Logger,
  ): Promise<RunOutcome> {
    const stdout = new OutputCapture(job.limits.maxOutputBytes);
    const stderr = new OutputCapture(job.limits.maxOutputBytes);

    const received = await this.receiveJob(container, job);
    if (received.exitCode !== 0) {
      log.error({ exitCode: received.exitCode }, 'runtime failed to receive the job');
      return {
        exitCode: null,
        timedOut: false,
        oomKilled: false,
        stdout: stdout.result(),
        stderr: stderr.result(),
        runtimeStderr: received.stderr || `receive helper exited with ${received.exitCode}`,
        durationMs: 0,
        workspace: { files: [], skipped: [] },
      };
    }

    const startedAt = Date.now();
    const { exitCode, timedOut } = await this.runScript(container, job, stdout, stderr, log);
    const durationMs = Date.now() - startedAt;

    const collected = await this.collect(container, job);
    return {
      exitCode,
      timedOut,
      oomKilled: collected.oomKills > 0,
      stdout: stdout.result(),
      stderr: stderr.result(),
      durationMs,
      workspace: collected.workspace,
      collectError: collected.error,
    };
  }

  private async receiveJob(
    container: RunContainer,
    job: ScriptJob,
  ): Promise<{ exitCode: number; stderr: string }> {
    const archive = await packJob(job.script, job.files);
    const output = new OutputCapture(HELPER_OUTPUT_BYTES);
    const exitCode = await container.exec([HELPERS.receive], {
      user: RUNNER_USER,
      stdin: archive,
      stdout: output,
      stderr: output,
    });
    return { exitCode, stderr: output.result().text };
  }

  private async runScript(
    container: RunContainer,
    job: ScriptJob,
    stdout: OutputCapture,
    stderr: OutputCapture,
    log: Logger,
  ): Promise<{ exitCode: number; timedOut: boolean }> {
    const timeoutMs = job.limits.timeoutSeconds * 1000;
    let timedOut = false;

    const softDeadline = setTimeout(() => {
      timedOut = true;
      log.info({ timeoutSeconds: job.limits.timeoutSeconds }, 'run reached its time limit');
      void this.stopProcesses(container, log);
    }, timeoutMs);
    const hardDeadline = setTimeout(() => {
      log.warn('run outlived its time limit; killing the container');
      void container.kill().catch(() => undefined);
    }, timeoutMs + HARD_DEADLINE_GRACE_MS);

    try {
      const exitCode = await container.exec([HELPERS.runScript], {
        user: RUNNER_USER,
        env: scriptEnvironment(job.limits),
        stdout,
        stderr,
      });
      return { exitCode, timedOut };
    } finally {
      clearTimeout(softDeadline);
      clearTimeout(hardDeadline);
    }
  }

  /**
   * Ends every process of the script through the stop helper. When the helper cannot start
   * (the script used up the process limit) or hangs, the whole container is killed instead,
   * which also loses the workspace.
   */
  private async stopProcesses(container: RunContainer, log: Logger): Promise<void> {
    const output = new OutputCapture(HELPER_OUTPUT_BYTES);
    const stop = container.exec([HELPERS.stopProcesses], {
      user: RUNNER_USER,
      env: [`R_RUNNER_UID=${RUNNER_USER.split(':')[0]}`],
      stdout: output,
      stderr: output,
    });
    const grace = new Promise<'late'>((resolve) =>
      setTimeout(() => resolve('late'), STOP_GRACE_MS),
    );

    try {
      const result = await Promise.race([stop, grace]);
      if (result === 0) {
        return;
      }
      log.warn(
        { result, output: output.result().text },
        'stop helper failed; killing the container',
      );
    } catch (error) {
      log.warn({ err: describeError(error) }, 'stop helper failed; killing the container');
    }
    await container.kill().catch(() => undefined);
  }

  private async collect(
    container: RunContainer,
    job: ScriptJob,
  ): Promise<{ workspace: CollectedWorkspace; oomKills: number; error?: string }> {
    const archive = new PassThrough();
    const report = new OutputCapture(HELPER_OUTPUT_BYTES);
    archive.on('error', () => undefined);
    const reading = readWorkspace(archive, job.limits, job.files);
    // A parse failure must not leave the exec waiting for the archive to drain.
    reading.catch(() => archive.destroy());

    try {
      const exitCode = await container.exec([HELPERS.collect], {
        user: RUNNER_USER,
        stdout: archive,
        stderr: report,
      });
      if (!archive.destroyed) {
        archive.end();
      }
      const workspace = await reading;
      const reportText = report.result().text;
      const oomKills = Number(/oom_kill (\d+)/.exec(reportText)?.[1] ?? 0);
      if (exitCode !== 0) {
        return {
          workspace,
          oomKills,
          error: `collect helper exited with ${exitCode}: ${reportText.trim()}`,
        };
      }
      return { workspace, oomKills };
    } catch (error) {
      archive.destroy();
      await reading.catch(() => undefined);
      return { workspace: { files: [], skipped: [] }, oomKills: 0, error: describeError(error) };
    }
  }
}
