import { Ajv, type ValidateFunction } from 'ajv';
import { RequestError } from '../errors.js';
import { describeAjvError } from '../validation/run-request.js';
import { batchRequestSchema, type BatchJobBody, type BatchRequestBody } from './batch-schema.js';

/** Checks the envelope of POST /batch. The schema is compiled once, when this is made. */
export class BatchRequestValidator {
  private readonly validate: ValidateFunction<BatchRequestBody>;

  constructor(private readonly maxBatchJobs: number) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    this.validate = ajv.compile<BatchRequestBody>(batchRequestSchema(maxBatchJobs));
  }

  /** Returns the jobs, or throws 400 for a malformed envelope, too many jobs or repeated ids. */
  parse(body: unknown): BatchJobBody[] {
    const jobs = (body as { jobs?: unknown } | null)?.jobs;
    if (Array.isArray(jobs) && jobs.length > this.maxBatchJobs) {
      throw new RequestError(
        400,
        'too_many_jobs',
        `jobs has ${jobs.length} entries, over MAX_BATCH_JOBS (${this.maxBatchJobs})`,
      );
    }
    if (!this.validate(body)) {
      const problems = (this.validate.errors ?? []).map(describeAjvError);
      throw new RequestError(400, 'invalid_request', problems[0]!.message, { details: problems });
    }

    const seen = new Set<string>();
    for (const [index, job] of body.jobs.entries()) {
      if (seen.has(job.id)) {
        throw new RequestError(400, 'duplicate_job_id', `jobs[${index}].id repeats ${job.id}`);
      }
      seen.add(job.id);
    }
    return body.jobs;
  }
}
