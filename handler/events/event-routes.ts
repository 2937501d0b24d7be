import type { Logger } from 'pino';
import type { Authenticator, Caller } from '../auth/authenticate.js';
import { SCOPES, requireScope } from '../auth/scopes.js';
import type { FunctionEvent, FunctionResponse } from '../http/function-types.js';
import type { BatchRunner } from './batch-runner.js';
import type { CronSweep } from './cron-sweep.js';
import type { EventEntry } from './event-entry.js';
import type { ScriptEventProcessor } from './event-processor.js';
import { parseS3Event } from './s3-event.js';

/** The caller of a sweep that the cron-connector started without credentials. */
const SCHEDULER_CALLER: Caller = {
  subject: 'cron-sweep',
  identity: 'cron-sweep',
  scopes: new Set(),
};

export interface EventRoutesOptions {
  authenticator: Authenticator;
  batch: BatchRunner;
  processor: ScriptEventProcessor;
  sweep: CronSweep;
  allowUnauthenticatedSweep: boolean;
  logger: Logger;
}

/** POST /batch, POST /events/s3 and the scheduled sweep; all need the `batch` scope. */
export class EventRoutes {
  constructor(private readonly options: EventRoutesOptions) {}

  async batch(event: FunctionEvent): Promise<FunctionResponse> {
    const caller = this.authenticate(event);
    return { status: 200, body: await this.options.batch.run(event.body, caller) };
  }

  /** Always 200 for a well-formed event, so that MinIO does not resend the whole event. */
  async s3Event(event: FunctionEvent): Promise<FunctionResponse> {
    const caller = this.authenticate(event);
    const records = parseS3Event(event.body);
    const results = await Promise.all(
      records.map((record): Promise<EventEntry> | EventEntry => {
        switch (record.kind) {
          case 'created':
            return this.options.processor.process(record.object, caller);
          case 'other':
            return {
              ...location(record),
              status: 'skipped',
              reason: `${record.eventName} is not an object-created event`,
            };
          case 'invalid':
            return {
              ...location(record),
              status: 'error',
              error: { code: 'invalid_event', message: record.message },
            };
        }
      }),
    );
    return { status: 200, body: { results } };
  }

  /**
   * Runs the sweep. The cron-connector sends no credentials, so without any the sweep runs only
   * when ALLOW_UNAUTHENTICATED_SWEEP is set; a credential that is sent is always checked.
   */
  async sweep(event: FunctionEvent): Promise<FunctionResponse> {
    const anonymous =
      this.options.allowUnauthenticatedSweep && header(event, 'authorization') === undefined;
    const caller = anonymous ? SCHEDULER_CALLER : this.authenticate(event);
    return { status: 200, body: await this.options.sweep.run(caller) };
  }

  private authenticate(event: FunctionEvent): Caller {
    const caller = this.options.authenticator.authenticate(header(event, 'authorization'));
    requireScope(caller, SCOPES.batch);
    return caller;
  }
}

/**
 * True for a request without a body, as the cron-connector sends. Express turns an empty JSON
 * body into `{}`, so the Content-Length header decides before the parsed body.
 */
export function isEmptyBody(event: FunctionEvent): boolean {
  const length = header(event, 'content-length');
  if (length !== undefined) {
    return Number(length) === 0;
  }
  if (header(event, 'transfer-encoding') === undefined) {
    return true;
  }
  const body = event.body;
  return (
    body === undefined ||
    body === null ||
    ((typeof body === 'string' || Buffer.isBuffer(body)) && body.length === 0)
  );
}

function location(record: { bucket: string; key: string }): { bucket: string; key: string } {
  return { bucket: record.bucket, key: record.key };
}

function header(event: FunctionEvent, name: string): string | undefined {
  const value = event.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
