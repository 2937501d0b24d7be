import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RunLimits } from '../config/config.js';
import { describeError } from '../errors.js';
import { HELPERS, RUNNER_USER, buildContainerSpec, scriptEnvironment } from './container-spec.js';
import type { ContainerRuntime, RunContainer, StartedExec } from './docker-runtime.js';
import { LABEL_POOL } from './labels.js';
import { newCaptures, sameContainerLimits, type PreparedContainer } from './prepared-container.js';

export interface WarmPoolOptions {
  size: number;
  image: string;
  instanceId: string;
  limits: RunLimits;
  /** R packages whose namespaces the waiting R loads before the script arrives. */
  preloadPackages: string[];
  /** The pool empties after this long without a run, and fills again on the next one. */
  idleMs: number;
  /** Idle containers older than this are replaced before the stale-container sweep removes them. */
  maxAgeMs: number;
}

interface WarmContainer extends PreparedContainer {
  waitingScript: StartedExec;
  createdAt: number;
  exited: boolean;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Containers started before requests arrive, each with R already loaded and waiting for its
 * script. Each serves exactly one run and is then removed, like a cold container; they have
 * the same spec and limits. The pool refills in the background, retries with backoff while
 * Docker is unavailable, and drops containers whose R exited (a Docker restart, for one).
 */
export class WarmPool {
  private readonly idle: WarmContainer[] = [];
  private filling = false;
  private closed = false;
  private failures = 0;
  private lastTakenAt = Date.now();
  private timer?: NodeJS.Timeout;
  private readonly removalsDue = new Set<RunContainer>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly options: WarmPoolOptions,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.idle.length;
  }

  start(): void {
    this.fill();
    this.timer = setInterval(() => this.maintain(), 5_000);
    this.timer.unref();
  }

  /** Hands out a warm container for a run with these limits, if one is ready. */
  take(limits: RunLimits): PreparedContainer | undefined {
    this.lastTakenAt = Date.now();
    if (!sameContainerLimits(this.options.limits, limits)) {
      return undefined;
    }
    let candidate: WarmContainer | undefined;
    while ((candidate = this.idle.shift()) && candidate.exited) {
      this.discard(candidate, 'its R process had exited');
    }
    this.fill();
    return candidate;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const containers = [...this.idle.splice(0).map((warm) => warm.container), ...this.removalsDue];
    await Promise.all(containers.map((container) => this.remove(container)));
  }

  private fill(): void {
    if (this.filling || this.closed || Date.now() - this.lastTakenAt > this.options.idleMs) {
      return;
    }
    this.filling = true;
    void this.fillUntilFull().finally(() => {
      this.filling = false;
    });
  }

  private async fillUntilFull(): Promise<void> {
    while (!this.closed && this.idle.length < this.options.size) {
      try {
        const warm = await this.warmUp();
        if (this.closed) {
          await warm.container.remove();
          return;
        }
        this.idle.push(warm);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const backoffMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures);
        this.logger.warn(
          { err: describeError(error), retryInMs: backoffMs },
          'failed to start a warm container',
        );
        await new Promise((resolve) => setTimeout(resolve, backoffMs).unref());
      }
    }
  }

  private async warmUp(): Promise<WarmContainer> {
    const { limits } = this.options;
    const spec = buildContainerSpec(this.options.image, limits, {
      runId: `pool-${randomUUID()}`,
      instanceId: this.options.instanceId,
    });
    spec.Labels = { ...spec.Labels, [LABEL_POOL]: 'true' };
    const container = await this.runtime.startContainer(spec);

    const captures = newCaptures(limits);
    const env = scriptEnvironment(limits);
    if (this.options.preloadPackages.length > 0) {
      env.push(`R_RUNNER_PRELOAD=${this.options.preloadPackages.join(' ')}`);
    }
    try {
      const waitingScript = await container.startExec([HELPERS.runScript, '--wait-for-job'], {
        user: RUNNER_USER,
        env,
        stdin: 'deferred',
        ...captures,
      });
      const warm: WarmContainer = {
        container,
        ...captures,
        waitingScript,
        createdAt: Date.now(),
        exited: false,
      };
      const markExited = () => {
        warm.exited = true;
      };
      waitingScript.exitCode.then(markExited, markExited);
      return warm;
    } catch (error) {
      await container.remove().catch(() => undefined);
      throw error;
    }
  }

  /** Removes dead and old containers, empties an idle pool, and refills a busy one. */
  private maintain(): void {
    for (const container of this.removalsDue) {
      void this.remove(container);
    }
    const now = Date.now();
    for (const warm of [...this.idle]) {
      if (warm.exited || now - warm.createdAt > this.options.maxAgeMs) {
        this.idle.splice(this.idle.indexOf(warm), 1);
        this.discard(warm, warm.exited ? 'its R process had exited' : 'it reached its maximum age');
      }
    }
    if (now - this.lastTakenAt > this.options.idleMs) {
      for (const warm of this.idle.splice(0)) {
        this.discard(warm, 'no run took a warm container for a while');
      }
      return;
    }
    this.fill();
  }

  private discard(warm: WarmContainer, reason: string): void {
    this.logger.debug({ containerId: warm.container.id, reason }, 'removing warm container');
    void this.remove(warm.container);
  }

  /** Removes a container; one that cannot be removed now (Docker is down) is retried later. */
  private async remove(container: RunContainer): Promise<void> {
    try {
      await container.remove();
      this.removalsDue.delete(container);
    } catch (error) {
      this.removalsDue.add(container);
      this.logger.warn(
        { containerId: container.id, err: describeError(error) },
        'failed to remove warm container; retrying later',
      );
    }
  }
}
