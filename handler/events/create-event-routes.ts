import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticate.js';
import type { Config } from '../config/config.js';
import type { RunnerService } from '../service.js';
import type { RunRequestValidator } from '../validation/run-request.js';
import { BatchRequestValidator } from './batch-request.js';
import { BatchRunner } from './batch-runner.js';
import { CronSweep } from './cron-sweep.js';
import { ScriptEventProcessor } from './event-processor.js';
import { EventResultStore } from './event-results.js';
import { EventRoutes } from './event-routes.js';

/** Builds the batch, bucket event and sweep routes from the configuration. */
export function createEventRoutes(
  config: Config,
  service: RunnerService,
  authenticator: Authenticator,
  validator: RunRequestValidator,
  s3Clients: { upload: S3Client; presign: S3Client },
  logger: Logger,
): EventRoutes {
  const { events } = config;
  const processor = new ScriptEventProcessor({
    service,
    validator,
    results: new EventResultStore(s3Clients, config.storage.urlTtlSeconds, logger),
    client: s3Clients.upload,
    inputPrefix: events.inputPrefix,
    resultsPrefix: events.resultsPrefix,
    logger,
  });
  const sweep = new CronSweep({
    client: s3Clients.upload,
    processor,
    location: {
      bucket: events.bucket,
      inputPrefix: events.inputPrefix,
      resultsPrefix: events.resultsPrefix,
    },
    concurrency: events.batchConcurrency,
    timeBudgetMs: events.cronTimeBudgetSeconds * 1000,
    logger,
  });
  const batch = new BatchRunner(
    service,
    new BatchRequestValidator(events.maxBatchJobs),
    validator,
    events.batchConcurrency,
    logger,
  );

  return new EventRoutes({
    authenticator,
    batch,
    processor,
    sweep,
    allowUnauthenticatedSweep: events.allowUnauthenticatedSweep,
    logger,
  });
}
