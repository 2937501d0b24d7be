import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Logger } from 'pino';
import { ServiceError, describeError } from '../errors.js';
import type { RunResult } from '../runner/run-result.js';
import type { ScriptObject } from './script-object.js';

/** result.json metadata naming the script version that produced it. */
const ETAG_METADATA_KEY = 'source-etag';
const VERSION_METADATA_KEY = 'source-version-id';
const NOT_FOUND_STATUS = 404;

/**
 * The result.json of each script run by a bucket event, stored beside its artifacts with the
 * script's eTag and versionId, so a repeated delivery of the same event can be recognised.
 */
export class EventResultStore {
  constructor(
    private readonly clients: { upload: S3Client; presign: S3Client },
    private readonly urlTtlSeconds: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Returns the run id of the stored result of this script version, or undefined when there is
   * none or it belongs to another version. Throws when S3 fails, because running the script
   * without knowing would break the promise of one run per version.
   */
  async findRunId(source: ScriptObject, resultKey: string): Promise<string | undefined> {
    const startedAt = Date.now();
    let metadata: Record<string, string>;
    let text: string;
    try {
      const object = await this.clients.upload.send(
        new GetObjectCommand({ Bucket: source.bucket, Key: resultKey }),
      );
      metadata = object.Metadata ?? {};
      text = (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (httpStatus(error) === NOT_FOUND_STATUS) {
        return undefined;
      }
      this.logger.error(
        { bucket: source.bucket, resultKey, err: describeError(error) },
        'failed to look up a stored event result',
      );
      throw new ServiceError(503, 'storage_unavailable', `failed to read ${resultKey}`, {
        cause: error,
      });
    }
    this.logger.debug({ resultKey, ms: Date.now() - startedAt }, 'read stored event result');

    const sameVersion =
      metadata[ETAG_METADATA_KEY] === source.eTag &&
      (metadata[VERSION_METADATA_KEY] ?? '') === (source.versionId ?? '');
    return sameVersion ? readRunId(text) : undefined;
  }

  /** Stores result.json with the script version in its metadata. Throws when S3 fails. */
  async save(source: ScriptObject, resultKey: string, result: RunResult): Promise<void> {
    const metadata: Record<string, string> = { [ETAG_METADATA_KEY]: source.eTag };
    if (source.versionId) {
      metadata[VERSION_METADATA_KEY] = source.versionId;
    }
    try {
      await this.clients.upload.send(
        new PutObjectCommand({
          Bucket: source.bucket,
          Key: resultKey,
          Body: JSON.stringify(result),
          ContentType: 'application/json',
          Metadata: { ...metadata, 'run-id': result.run_id },
        }),
      );
    } catch (error) {
      this.logger.error(
        { bucket: source.bucket, resultKey, runId: result.run_id, err: describeError(error) },
        'failed to store an event result',
      );
      throw new ServiceError(503, 'result_not_stored', describeError(error), { cause: error });
    }
    this.logger.debug({ resultKey, runId: result.run_id }, 'stored event result');
  }

  /** Signs a download URL for result.json. */
  presign(bucket: string, resultKey: string): Promise<string> {
    return getSignedUrl(
      this.clients.presign,
      new GetObjectCommand({ Bucket: bucket, Key: resultKey }),
      { expiresIn: this.urlTtlSeconds },
    );
  }
}

function readRunId(text: string): string | undefined {
  try {
    const runId = (JSON.parse(text) as { run_id?: unknown } | null)?.run_id;
    return typeof runId === 'string' ? runId : undefined;
  } catch {
    // A result.json that is not JSON is treated as missing, so the script runs again.
    return undefined;
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
