import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Caller } from '../auth/authenticate.js';
import { ServiceError, describeError } from '../errors.js';
import type { RunnerService } from '../service.js';
import type { RunRequestValidator } from '../validation/run-request.js';
import type { EventEntry } from './event-entry.js';
import type { EventResultStore } from './event-results.js';
import { isScriptKey, resultKeyFor, resultsPrefixFor } from './script-keys.js';
import type { ScriptObject } from './script-object.js';
import { readScript } from './script-source.js';

export interface EventProcessorOptions {
  service: RunnerService;
  validator: RunRequestValidator;
  results: EventResultStore;
  /** The client that reads scripts; the upload client of the artifact store. */
  client: S3Client;
  inputPrefix: string;
  resultsPrefix: string;
  logger: Logger;
}

/**
 * Runs the script of an object-created event once per object version and stores its
 * result.json and artifacts under the results prefix. Deliveries are at least once, so a
 * version whose result.json is stored already is replayed instead of run, and a duplicate that
 * arrives while the first delivery runs waits for that run.
 */
export class ScriptEventProcessor {
  private readonly inFlight = new Map<string, Promise<EventEntry>>();

  constructor(private readonly options: EventProcessorOptions) {}

  async process(source: ScriptObject, caller: Caller): Promise<EventEntry> {
    const { inputPrefix } = this.options;
    if (!isScriptKey(source.key, inputPrefix)) {
      return skipped(source, `not a key under ${inputPrefix} ending in .R`);
    }

    const versionKey = [source.bucket, source.key, source.eTag, source.versionId ?? ''].join('\n');
    const pending = this.inFlight.get(versionKey);
    if (pending) {
      const entry = await pending;
      return entry.status === 'ran' ? { ...entry, status: 'replayed' } : entry;
    }
    const entry = this.processOnce(source, caller);
    this.inFlight.set(versionKey, entry);
    try {
      return await entry;
    } finally {
      this.inFlight.delete(versionKey);
    }
  }

  private async processOnce(source: ScriptObject, caller: Caller): Promise<EventEntry> {
    const { inputPrefix, resultsPrefix, results, logger } = this.options;
    const resultKey = resultKeyFor(source.key, inputPrefix, resultsPrefix);
    const log = logger.child({ bucket: source.bucket, key: source.key, eTag: source.eTag });
    let runId: string | undefined;
    try {
      const storedRunId = await results.findRunId(source, resultKey);
      if (storedRunId) {
        log.info({ runId: storedRunId, resultKey }, 'replaying the stored result of a script');
        return await this.answer(source, resultKey, 'replayed', storedRunId);
      }

      const result = await this.run(source, caller);
      runId = result.run_id;
      await results.save(source, resultKey, result);
      const entry = await this.answer(source, resultKey, 'ran', runId);
      // The presigned URL grants access to the result, so only its key is logged.
      log.info({ runId, resultKey }, 'stored the result of a script');
      return { ...entry, success: result.success };
    } catch (error) {
      return failed(source, resultKey, runId, error, log);
    }
  }

  private async run(source: ScriptObject, caller: Caller) {
    const { service, validator, client, inputPrefix, resultsPrefix, logger } = this.options;
    const script = await readScript(client, source, logger);
    const request = validator.parse({ script });
    const keyPrefix = resultsPrefixFor(source.key, inputPrefix, resultsPrefix);
    const { result } = await service.run(request, caller, undefined, {
      artifacts: { bucket: source.bucket, keyPrefix },
      waitForSlot: true,
    });
    return result;
  }

  private async answer(
    source: ScriptObject,
    resultKey: string,
    status: 'ran' | 'replayed',
    runId: string,
  ): Promise<EventEntry> {
    return {
      bucket: source.bucket,
      key: source.key,
      status,
      result_key: resultKey,
      result_url: await this.options.results.presign(source.bucket, resultKey),
      run_id: runId,
    };
  }
}

function skipped(source: ScriptObject, reason: string): EventEntry {
  return { bucket: source.bucket, key: source.key, status: 'skipped', reason };
}

function failed(
  source: ScriptObject,
  resultKey: string,
  runId: string | undefined,
  error: unknown,
  log: Logger,
): EventEntry {
  const entry: EventEntry = { bucket: source.bucket, key: source.key, status: 'error' };
  if (runId !== undefined) {
    // The script ran and its artifacts are stored; only result.json is missing, so the next
    // delivery of the event runs the script again.
    entry.run_id = runId;
    entry.result_key = resultKey;
    entry.result_stored = false;
    entry.error = {
      code: 'result_not_stored',
      message: `the script ran as run ${runId}, but storing ${resultKey} failed: ${describeError(error)}`,
    };
    return entry;
  }
  if (error instanceof ServiceError) {
    log.warn({ code: error.code, err: error.message }, 'event run failed');
    entry.error = { code: error.code, message: error.message };
    return entry;
  }
  log.error({ err: error instanceof Error ? error.stack : String(error) }, 'event run failed');
  entry.error = {
    code: 'internal_error',
    message: 'internal error; the service log has the details',
  };
  return entry;
}
