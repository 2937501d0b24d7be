import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { StorageConfig } from '../config/config.js';
import { describeError } from '../errors.js';
import type { RunResult } from '../runner/run-result.js';

/** Bounds a look-up, which every call with an X-Call-Id waits for, when S3 is slow or down. */
const LOOKUP_TIMEOUT_MS = 3_000;
const SAVE_TIMEOUT_MS = 5_000;
const NOT_FOUND_STATUS = 404;
const PRECONDITION_FAILED_STATUS = 412;
/** Object metadata with a hash of the caller's name, because S3 metadata must be ASCII. */
const CALLER_METADATA_KEY = 'caller-sha256';

/**
 * Finished /run results under `<keyPrefix>calls/<callId>.json`, so that a repeated X-Call-Id
 * (a retried async delivery) gets the stored result instead of a second run. A result belongs
 * to the caller that ran it: another caller with the same call id never gets it.
 */
export class CallResultStore {
  constructor(
    private readonly config: StorageConfig,
    private readonly clients: { upload: S3Client; presign: S3Client },
    private readonly logger: Logger,
  ) {}

  /**
   * Returns the stored result of this caller's call, with fresh download URLs, or undefined
   * when there is none. A failed look-up is logged and counts as none, so runs go on while S3
   * is down, at the price of running a retried call again.
   */
  async find(callId: string, callerIdentity: string): Promise<RunResult | undefined> {
    const key = this.key(callId);
    let text: string;
    let owner: string | undefined;
    try {
      const object = await this.clients.upload.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
        { abortSignal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) },
      );
      owner = object.Metadata?.[CALLER_METADATA_KEY];
      text = (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (httpStatus(error) !== NOT_FOUND_STATUS) {
        this.logger.warn(
          { callId, key, err: describeError(error) },
          'failed to look up a stored call result, so the script runs',
        );
      }
      return undefined;
    }

    if (owner !== callerDigest(callerIdentity)) {
      this.logger.warn({ callId, key }, 'not replaying a call id that another caller used');
      return undefined;
    }
    const result = parseResult(text);
    if (!result) {
      this.logger.error({ callId, key }, 'ignoring a stored call result that is not a run result');
      return undefined;
    }
    return this.refreshUrls(result);
  }

  /**
   * Stores a result unless one is stored for the call id already, so the first writer wins, also
   * between replicas. That needs conditional writes (If-None-Match), which MinIO and AWS S3
   * support. Failures are logged, never thrown: the caller still gets its result.
   */
  async save(callId: string, callerIdentity: string, result: RunResult): Promise<void> {
    const key = this.key(callId);
    try {
      await this.clients.upload.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: JSON.stringify(result),
          ContentType: 'application/json',
          Metadata: {
            [CALLER_METADATA_KEY]: callerDigest(callerIdentity),
            'run-id': result.run_id,
          },
          IfNoneMatch: '*',
        }),
        { abortSignal: AbortSignal.timeout(SAVE_TIMEOUT_MS) },
      );
      this.logger.debug({ callId, key, runId: result.run_id }, 'stored call result');
    } catch (error) {
      if (httpStatus(error) === PRECONDITION_FAILED_STATUS) {
        this.logger.info({ callId, key }, 'a result for this call id is stored already');
        return;
      }
      this.logger.error(
        { callId, key, runId: result.run_id, err: describeError(error) },
        'failed to store the call result, so a retry of this call runs the script again',
      );
    }
  }

  private key(callId: string): string {
    return `${this.config.keyPrefix}calls/${callId}.json`;
  }

  /** Signs new download URLs, since the stored ones may have expired since the first run. */
  private async refreshUrls(result: RunResult): Promise<RunResult> {
    const artifacts = await Promise.all(
      result.artifacts.map(async (artifact) => {
        // The key layout of ArtifactStore: `<keyPrefix><runId>/<name>`.
        const key = `${this.config.keyPrefix}${result.run_id}/${artifact.name}`;
        const expiresAt = new Date(Date.now() + this.config.urlTtlSeconds * 1000);
        const url = await getSignedUrl(
          this.clients.presign,
          new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
          { expiresIn: this.config.urlTtlSeconds },
        );
        return { ...artifact, url, expires_at: expiresAt.toISOString() };
      }),
    );
    return { ...result, artifacts };
  }
}

function callerDigest(callerIdentity: string): string {
  return createHash('sha256').update(callerIdentity).digest('hex');
}

function parseResult(text: string): RunResult | undefined {
  try {
    const value = JSON.parse(text) as Partial<RunResult> | null;
    if (value && typeof value.run_id === 'string' && Array.isArray(value.artifacts)) {
      return value as RunResult;
    }
  } catch {
    // Not JSON: treated like any other object that is not a run result.
  }
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
