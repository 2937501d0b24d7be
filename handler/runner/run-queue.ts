import { ServiceError } from '../errors.js';

/** Options of how a task waits for a slot. */
export interface QueueOptions {
  /**
   * Wait for a slot even when the queue is full, instead of rejecting with 429. For callers
   * that bound their own concurrency and cannot retry later, such as batch and event runs.
   */
  waitForSlot?: boolean;
}

/**
 * Bounds how many runs execute at once. Runs beyond the limit wait in a FIFO queue of bounded
 * length. When that is full, the request is rejected with 429 and Retry-After, unless the task
 * was queued with `waitForSlot`.
 */
export class RunQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
    private readonly retryAfterSeconds = 2,
  ) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, options: QueueOptions = {}): Promise<T> {
    await this.acquire(options.waitForSlot ?? false);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(waitForSlot: boolean): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    if (!waitForSlot && this.waiting.length >= this.maxQueued) {
      throw new ServiceError(
        429,
        'too_many_runs',
        `${this.active} runs are executing and ${this.waiting.length} are queued, the most this server accepts; retry later`,
        { headers: { 'Retry-After': String(this.retryAfterSeconds) } },
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      // The slot passes straight to the next run, so `active` stays the same.
      next();
    } else {
      this.active--;
    }
  }
}
