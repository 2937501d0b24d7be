import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, RunLimits } from './config/config.js';
import type { Caller } from './auth/authenticate.js';
import { describeError } from './errors.js';
import type { ContainerRuntime } from './runner/docker-runtime.js';
import { buildRunResult, type RunResult } from './runner/run-result.js';
import { RunQueue } from './runner/run-queue.js';
import { ScriptRunner } from './runner/script-runner.js';
import { SystemInfoReader, type SystemInfo } from './runner/system-info.js';
import type { ArtifactStore } from './storage/artifact-store.js';
import type { ParsedRunRequest } from './validation/run-request.js';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

/** The operations behind the HTTP routes, independent of how requests arrive. */
export class RunnerService {
  private readonly runner: ScriptRunner;
  private readonly systemInfo: SystemInfoReader;
  readonly queue: RunQueue;

  constructor(
    private readonly config: Config,
    private readonly runtime: ContainerRuntime,
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
    instanceId: string,
  ) {
    this.runner = new ScriptRunner(runtime, config.image, instanceId, logger);
    this.systemInfo = new SystemInfoReader(runtime, config.image);
    this.queue = new RunQueue(config.maxConcurrentRuns, config.maxQueuedRuns);
  }

  async run(request: ParsedRunRequest, caller: Caller, callId?: string): Promise<RunResult> {
    const runId = randomUUID();
    const limits = this.effectiveLimits(request);
    const log = this.logger.child({ runId, caller: caller.subject, callId });

    return this.queue.run(async () => {
      log.info(
        {
          image: this.config.image,
          files: request.files.length,
          timeoutSeconds: limits.timeoutSeconds,
        },
        'run started',
      );
      const outcome = await this.runner.run({
        runId,
        script: request.script,
        files: request.files,
        limits,
      });
      const { stored, failed } = await this.store.store(runId, outcome.workspace.files);
      const result = buildRunResult(
        runId,
        outcome,
        stored,
        [...outcome.workspace.skipped, ...failed],
        limits,
      );

      log.info(
        {
          image: this.config.image,
          exitCode: result.exit_code,
          durationMs: result.duration_ms,
          timedOut: result.timed_out,
          oomKilled: result.oom_killed,
          stdoutBytes: result.stdout_bytes,
          stderrBytes: result.stderr_bytes,
          outputTruncated: result.stdout_truncated || result.stderr_truncated,
          artifacts: stored.length,
          skippedArtifacts: result.skipped_artifact_count,
        },
        'run finished',
      );
      return result;
    });
  }

  system(): Promise<SystemInfo> {
    return this.systemInfo.read();
  }

  async readiness(): Promise<ReadinessReport> {
    const checks: Record<string, string> = {};
    const record = async (name: string, check: () => Promise<unknown>) => {
      try {
        await check();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = describeError(error);
      }
    };
    await Promise.all([
      record('docker', async () => {
        await this.runtime.ping();
        await this.runtime.imageId(this.config.image);
      }),
      record('storage', () => this.store.check()),
    ]);
    return { ready: Object.values(checks).every((value) => value === 'ok'), checks };
  }

  private effectiveLimits(request: ParsedRunRequest): RunLimits {
    const limits = { ...this.config.limits };
    if (request.timeoutSeconds !== undefined) {
      limits.timeoutSeconds = Math.min(request.timeoutSeconds, limits.timeoutSeconds);
    }
    return limits;
  }
}
