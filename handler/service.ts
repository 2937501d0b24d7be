import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, RunLimits } from './config/config.js';
import type { Caller } from './auth/authenticate.js';
import { applyCallerLimits } from './auth/caller-limits.js';
import { describeError } from './errors.js';
import type { ContainerRuntime } from './runner/docker-runtime.js';
import { buildRunResult, type RunResult } from './runner/run-result.js';
import { RunQueue } from './runner/run-queue.js';
import { ScriptRunner } from './runner/script-runner.js';
import { WarmPool } from './runner/warm-pool.js';
import type { ServiceMetrics } from './metrics/metrics.js';
import { SystemInfoReader, type SystemInfo } from './runner/system-info.js';
import type { ArtifactDestination, ArtifactStore } from './storage/artifact-store.js';
import type { CallResultStore } from './storage/call-results.js';
import type { ParsedRunRequest } from './validation/run-request.js';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
  /** Warm containers ready now, and how many the pool keeps; absent when the pool is off. */
  warmPool?: { ready: number; size: number };
}

/** The result of POST /run, and whether it was stored by an earlier call with the same id. */
export interface RunAnswer {
  result: RunResult;
  replayed: boolean;
}

/** Queueing and storage options of one run; the defaults are those of POST /run. */
export interface RunOptions {
  /** Store the files here instead of under `<S3_KEY_PREFIX><runId>/` of the artifact bucket. */
  artifacts?: ArtifactDestination;
  /** Wait for a free slot instead of returning 429 when the queue is full. */
  waitForSlot?: boolean;
}

/** The operations behind the HTTP routes, independent of how requests arrive. */
export class RunnerService {
  private readonly runner: ScriptRunner;
  private readonly pool?: WarmPool;
  private readonly systemInfo: SystemInfoReader;
  readonly queue: RunQueue;
  /** Calls with an X-Call-Id that are running now, by caller and call id. */
  private readonly callsInFlight = new Map<string, Promise<RunAnswer>>();

  constructor(
    private readonly config: Config,
    private readonly runtime: ContainerRuntime,
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
    instanceId: string,
    private readonly callResults?: CallResultStore,
    private readonly metrics?: ServiceMetrics,
  ) {
    if (config.pool.size > 0) {
      this.pool = new WarmPool(
        runtime,
        {
          size: config.pool.size,
          image: config.image,
          instanceId,
          limits: config.limits,
          preloadPackages: config.pool.preloadPackages,
          idleMs: config.pool.idleSeconds * 1000,
          // Half the stale age, so the periodic sweep never removes an idle warm container.
          maxAgeMs: (config.staleContainerSeconds * 1000) / 2,
        },
        logger,
      );
    }
    this.runner = new ScriptRunner(runtime, config.image, instanceId, logger, this.pool);
    this.systemInfo = new SystemInfoReader(runtime, config.image, config.images);
    this.queue = new RunQueue(config.maxConcurrentRuns, config.maxQueuedRuns);
  }

  /**
   * Runs a script once per call id: a repeated X-Call-Id of the same caller (a retried async
   * delivery) gets the stored result instead of a second run, also while the first still runs.
   * The body of a repeated call is not compared with the first one.
   */
  async run(
    request: ParsedRunRequest,
    caller: Caller,
    callId?: string,
    options: RunOptions = {},
  ): Promise<RunAnswer> {
    if (!callId || !this.callResults) {
      return { result: await this.execute(request, caller, callId, options), replayed: false };
    }
    const key = `${caller.identity}\n${callId}`;
    const pending = this.callsInFlight.get(key);
    if (pending) {
      return { result: (await pending).result, replayed: true };
    }

    const answer = this.runOnce(request, caller, callId, this.callResults);
    this.callsInFlight.set(key, answer);
    try {
      return await answer;
    } finally {
      this.callsInFlight.delete(key);
    }
  }

  private async runOnce(
    request: ParsedRunRequest,
    caller: Caller,
    callId: string,
    callResults: CallResultStore,
  ): Promise<RunAnswer> {
    const stored = await callResults.find(callId, caller.identity);
    if (stored) {
      this.logger.info(
        { callId, caller: caller.subject, runId: stored.run_id },
        'replaying the stored result of a repeated call',
      );
      return { result: stored, replayed: true };
    }

    const result = await this.execute(request, caller, callId);
    // A container that failed before the script started may work when the call is retried.
    if (result.runtime_stderr === undefined) {
      await callResults.save(callId, caller.identity, result);
    }
    return { result, replayed: false };
  }

  private async execute(
    request: ParsedRunRequest,
    caller: Caller,
    callId?: string,
    options: RunOptions = {},
  ): Promise<RunResult> {
    const runId = randomUUID();
    const limits = this.effectiveLimits(request, caller);
    const log = this.logger.child({ runId, caller: caller.subject, callId });

    return this.queue.run(
      async () => {
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
        const { stored, failed } = await this.store.store(
          runId,
          outcome.workspace.files,
          options.artifacts,
        );
        const result = buildRunResult(
          runId,
          outcome,
          stored,
          [...outcome.workspace.skipped, ...failed],
          limits,
        );
        this.metrics?.recordRun(result, outcome.warm);

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
            limitsHit: limitsHit(result),
            warm: outcome.warm,
            artifacts: stored.length,
            skippedArtifacts: result.skipped_artifact_count,
          },
          'run finished',
        );
        return result;
      },
      { waitForSlot: options.waitForSlot },
    );
  }

  /** Warm containers ready for a run now; 0 when the pool is off. */
  get warmContainersReady(): number {
    return this.pool?.size ?? 0;
  }

  /** Starts background work: filling the warm pool. */
  start(): void {
    this.pool?.start();
  }

  /** Removes warm containers and waits for removals in flight. */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.runner.drain();
  }

  /** Reads the inventory of the configured image, or of another image in RUNNER_IMAGES. */
  system(image?: string): Promise<SystemInfo> {
    return this.systemInfo.read(image);
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
    const report: ReadinessReport = {
      ready: Object.values(checks).every((value) => value === 'ok'),
      checks,
    };
    if (this.pool) {
      report.warmPool = { ready: this.pool.size, size: this.config.pool.size };
    }
    return report;
  }

  /** Computes the limits of one run: the server's, lowered by the caller's token and the request. */
  effectiveLimits(request: ParsedRunRequest, caller: Caller): RunLimits {
    const limits = applyCallerLimits(this.config.limits, caller.limits);
    if (request.timeoutSeconds !== undefined) {
      limits.timeoutSeconds = Math.min(request.timeoutSeconds, limits.timeoutSeconds);
    }
    return limits;
  }
}

/** Names of the limits a run ran into, for the log. */
function limitsHit(result: RunResult): string[] {
  const hit: string[] = [];
  if (result.timed_out) {
    hit.push('time');
  }
  if (result.oom_killed) {
    hit.push('memory');
  }
  if (result.stdout_truncated || result.stderr_truncated) {
    hit.push('output');
  }
  if (result.skipped_artifacts.some((s) => s.reason === 'too_large' || s.reason === 'too_many')) {
    hit.push('artifacts');
  }
  return hit;
}
