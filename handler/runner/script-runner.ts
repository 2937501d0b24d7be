import type { Logger } from 'pino';
import type { RunLimits } from '../config/config.js';
import { describeError } from '../errors.js';
import {
  HELPERS,
  RUNNER_UID,
  RUNNER_USER,
  buildContainerSpec,
  scriptEnvironment,
} from './container-spec.js';
import type { ContainerRuntime, RunContainer, StartedExec } from './docker-runtime.js';
import { OutputCapture, type CapturedOutput } from './output-capture.js';
import { newCaptures, type PreparedContainer } from './prepared-container.js';
import type { WarmPool } from './warm-pool.js';
import { collectWorkspace } from './workspace-collector.js';
import { packJob, type CollectedWorkspace, type InputFile } from './workspace-archive.js';

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
  /** Error output of run-script when the container failed before the script started. */
  runtimeStderr?: string;
  durationMs: number;
  workspace: CollectedWorkspace;
  /** Reason the workspace could not be read back, if it could not. */
  collectError?: string;
  /** True when a warm container from the pool ran the script. */
  warm: boolean;
}

/** How long the stop helper may take before the container is killed outright. */
const STOP_GRACE_MS = 3_000;
/** How long after the time limit a run may take before the container is killed outright. */
const HARD_DEADLINE_GRACE_MS = 10_000;
const HELPER_OUTPUT_BYTES = 64 * 1024;
/** Exit status and stderr line of run-script when it could not unpack the job. */
const UNPACK_FAILED_STATUS = 125;
const UNPACK_FAILED_MESSAGE = 'r-runner: failed to unpack the job';

/**
 * Runs one script in a fresh container, taken warm from the pool or started for the run. It
 * sends the job in, runs R under the time limit and ends whatever the script left running.
 * Then it reads the workspace back and removes the container.
 */
export class ScriptRunner {
  private readonly removals = new Set<Promise<void>>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly image: string,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly pool?: WarmPool,
  ) {}

  async run(job: ScriptJob): Promise<RunOutcome> {
    const log = this.logger.child({ runId: job.runId });
    const startedAt = Date.now();
    const warm = this.pool?.take(job.limits);
    const prepared = warm ?? (await this.startCold(job));
    log.debug(
      { containerId: prepared.container.id, warm: warm !== undefined, ms: Date.now() - startedAt },
      'container ready',
    );

    try {
      return await this.runPrepared(prepared, job, log);
    } finally {
      this.removeLater(prepared.container, log);
    }
  }

  /** Waits for the removals still in flight, for a clean shutdown. */
  async drain(): Promise<void> {
    await Promise.all([...this.removals]);
  }

  private async startCold(job: ScriptJob): Promise<PreparedContainer> {
    const spec = buildContainerSpec(this.image, job.limits, {
      runId: job.runId,
      instanceId: this.instanceId,
    });
    const container = await this.runtime.startContainer(spec);
    return { container, ...newCaptures(job.limits) };
  }

  /**
   * Removes the container in the background while the response is sent. Every process of the
   * script has already been killed, so nothing runs in it meanwhile.
   */
  private removeLater(container: RunContainer, log: Logger): void {
    const removal = container
      .remove()
      .catch((error: unknown) => {
        log.error(
          { containerId: container.id, err: describeError(error) },
          'failed to remove run container; the periodic sweep will retry',
        );
      })
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  private async runPrepared(
    prepared: PreparedContainer,
    job: ScriptJob,
    log: Logger,
  ): Promise<RunOutcome> {
    const { container, stdout, stderr } = prepared;
    const startedAt = Date.now();
    const run = prepared.waitingScript
      ? await this.runWarm(prepared.waitingScript, container, job, log)
      : await this.runCold(container, prepared, job, log);
    const durationMs = Date.now() - startedAt;

    const stderrText = stderr.result().text;
    if (run.exitCode === UNPACK_FAILED_STATUS && stderrText.includes(UNPACK_FAILED_MESSAGE)) {
      log.error({ exitCode: run.exitCode, stderr: stderrText }, 'runtime failed to unpack the job');
      return {
        exitCode: null,
        timedOut: false,
        oomKilled: false,
        stdout: stdout.result(),
        stderr: new OutputCapture(0).result(),
        runtimeStderr: stderrText,
        durationMs,
        workspace: { files: [], skipped: [] },
        warm: prepared.waitingScript !== undefined,
      };
    }

    const collected = await collectWorkspace(container, job, log);
    if (collected.strays) {
      // The script killed run-script before it could end the script's other processes.
      log.warn('processes of the script outlived it; stopping them');
      await this.stopProcesses(container, log);
    }
    return {
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      oomKilled: collected.oomKills > 0,
      stdout: stdout.result(),
      stderr: stderr.result(),
      durationMs,
      workspace: collected.workspace,
      collectError: collected.error,
      warm: prepared.waitingScript !== undefined,
    };
  }

  private async runCold(
    container: RunContainer,
    captures: Pick<PreparedContainer, 'stdout' | 'stderr'>,
    job: ScriptJob,
    log: Logger,
  ): Promise<ScriptExit> {
    const archive = await packJob(job.script, job.files);
    return this.underTimeLimit(container, job, log, () =>
      container.exec([HELPERS.runScript], {
        user: RUNNER_USER,
        env: scriptEnvironment(job.limits),
        stdin: archive,
        ...captures,
      }),
    );
  }

  /** In a warm container R already waits for the job on the run-script exec's stdin. */
  private async runWarm(
    waitingScript: StartedExec,
    container: RunContainer,
    job: ScriptJob,
    log: Logger,
  ): Promise<ScriptExit> {
    const archive = await packJob(job.script, job.files);
    return this.underTimeLimit(container, job, log, () => {
      waitingScript.sendStdin(archive);
      return waitingScript.exitCode;
    });
  }

  /** Runs `script` with the run's time limit enforced from outside the script. */
  private async underTimeLimit(
    container: RunContainer,
    job: ScriptJob,
    log: Logger,
    script: () => Promise<number>,
  ): Promise<ScriptExit> {
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
      const exitCode = await script();
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
      env: [`R_RUNNER_UID=${RUNNER_UID}`],
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
}

interface ScriptExit {
  exitCode: number;
  timedOut: boolean;
}
