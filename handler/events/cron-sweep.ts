import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Caller } from '../auth/authenticate.js';
import type { EventEntry } from './event-entry.js';
import type { ScriptEventProcessor } from './event-processor.js';
import { listPendingScripts, type SweepLocation } from './pending-scripts.js';

export interface SweepAnswer {
  results: EventEntry[];
  /** Scripts without a result when the sweep started. */
  pending: number;
  /** Scripts not started because the time budget was spent; the next sweep takes them. */
  remaining: number;
}

export interface CronSweepOptions {
  client: S3Client;
  processor: ScriptEventProcessor;
  location: SweepLocation;
  /** Scripts processed at once. */
  concurrency: number;
  timeBudgetMs: number;
  logger: Logger;
}

/**
 * Runs the scripts under the input prefix that have no result yet, oldest first, as if their
 * events had arrived: it catches up on events lost while the function was down. No script is
 * started after the time budget, so the sweep responds before the scheduler's timeout.
 */
export class CronSweep {
  constructor(private readonly options: CronSweepOptions) {}

  async run(caller: Caller): Promise<SweepAnswer> {
    const { client, processor, location, concurrency, timeBudgetMs, logger } = this.options;
    const deadline = Date.now() + timeBudgetMs;
    const scripts = await listPendingScripts(client, location, logger);
    logger.info({ bucket: location.bucket, pending: scripts.length }, 'sweep started');

    const results: EventEntry[] = [];
    let next = 0;
    const worker = async () => {
      while (next < scripts.length && Date.now() < deadline) {
        const script = scripts[next++]!;
        results.push(await processor.process(script, caller));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, scripts.length) }, worker));

    const remaining = scripts.length - next;
    logger.info({ started: next, remaining }, 'sweep finished');
    return { results, pending: scripts.length, remaining };
  }
}
