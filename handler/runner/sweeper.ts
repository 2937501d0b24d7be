import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { ContainerRuntime, OwnedContainer } from './docker-runtime.js';
import { LABEL_CREATED_AT, LABEL_INSTANCE } from './labels.js';

/**
 * Removes run containers that no run is using any more: at start-up those of this instance
 * (left by a previous process that was killed mid-run), and periodically those of any
 * instance that are older than the stale age.
 */
export class ContainerSweeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly instanceId: string,
    private readonly staleAfterMs: number,
    private readonly logger: Logger,
  ) {}

  async removeLeftovers(): Promise<number> {
    const containers = await this.runtime.listOwnedContainers();
    const leftovers = containers.filter((c) => c.labels[LABEL_INSTANCE] === this.instanceId);
    return this.removeAll(leftovers, 'left by a previous process of this instance');
  }

  async removeStale(now = Date.now()): Promise<number> {
    const containers = await this.runtime.listOwnedContainers();
    const stale = containers.filter((c) => {
      const createdAt = Date.parse(c.labels[LABEL_CREATED_AT] ?? '');
      return Number.isNaN(createdAt) || now - createdAt > this.staleAfterMs;
    });
    return this.removeAll(stale, 'older than the stale age');
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.removeStale().catch((error: unknown) => {
        this.logger.warn({ err: describeError(error) }, 'periodic container sweep failed');
      });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async removeAll(containers: OwnedContainer[], reason: string): Promise<number> {
    for (const container of containers) {
      await this.runtime.removeContainer(container.id);
      this.logger.info({ containerId: container.id, reason }, 'removed leftover run container');
    }
    return containers.length;
  }
}
