import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Caller } from '../auth/authenticate.js';
import { ServiceError } from '../errors.js';
import type { RunResult } from '../runner/run-result.js';
import type { RunnerService } from '../service.js';
import type { RunRequestValidator } from '../validation/run-request.js';
import type { BatchRequestValidator } from './batch-request.js';
import type { BatchJobBody } from './batch-schema.js';

/** The outcome of one job: the /run response, or the error that the job alone got. */
export type BatchJobResult =
  | { id: string; status: 'ok'; result: RunResult }
  | { id: string; status: 'error'; error: { code: string; message: string } };

export interface BatchAnswer {
  batch_id: string;
  results: BatchJobResult[];
}

/**
 * Runs the jobs of one POST /batch, at most `concurrency` at a time, through the service's run
 * queue, so the server-wide limit of concurrent runs holds. A job that is invalid or whose run
 * fails gets an error entry and never stops the others.
 */
export class BatchRunner {
  constructor(
    private readonly service: RunnerService,
    private readonly envelope: BatchRequestValidator,
    private readonly validator: RunRequestValidator,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  async run(body: unknown, caller: Caller): Promise<BatchAnswer> {
    const jobs = this.envelope.parse(body);
    const batchId = randomUUID();
    const log = this.logger.child({ batchId, caller: caller.subject });
    log.info({ jobs: jobs.length, concurrency: this.concurrency }, 'batch started');

    const results: BatchJobResult[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await this.runJob(jobs[index]!, caller, log);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));

    const failed = results.filter((result) => result.status === 'error').length;
    log.info({ jobs: jobs.length, failed }, 'batch finished');
    return { batch_id: batchId, results };
  }

  private async runJob(job: BatchJobBody, caller: Caller, log: Logger): Promise<BatchJobResult> {
    const { id, ...runBody } = job;
    try {
      const request = this.validator.parse(runBody);
      const { result } = await this.service.run(request, caller, undefined, { waitForSlot: true });
      return { id, status: 'ok', result };
    } catch (error) {
      if (error instanceof ServiceError) {
        log.warn({ jobId: id, code: error.code, err: error.message }, 'batch job failed');
        return { id, status: 'error', error: { code: error.code, message: error.message } };
      }
      log.error(
        { jobId: id, err: error instanceof Error ? error.stack : String(error) },
        'batch job failed',
      );
      return {
        id,
        status: 'error',
        error: {
          code: 'internal_error',
          message: 'internal error; the service log has the details',
        },
      };
    }
  }
}
