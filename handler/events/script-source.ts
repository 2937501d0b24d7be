import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { ServiceError, describeError } from '../errors.js';
import type { ScriptObject } from './script-object.js';

const PRECONDITION_FAILED_STATUS = 412;
const NOT_FOUND_STATUS = 404;

/**
 * Reads the source of a script object. The read is pinned to the event's eTag (and versionId),
 * so the result stored for that version comes from that version's source.
 */
export async function readScript(
  client: S3Client,
  source: ScriptObject,
  logger: Logger,
): Promise<string> {
  const startedAt = Date.now();
  try {
    const object = await client.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        VersionId: source.versionId,
        IfMatch: `"${source.eTag}"`,
      }),
    );
    const script = (await object.Body?.transformToString('utf8')) ?? '';
    logger.debug(
      { bucket: source.bucket, key: source.key, ms: Date.now() - startedAt },
      'read script',
    );
    return script;
  } catch (error) {
    logger.error(
      { bucket: source.bucket, key: source.key, err: describeError(error) },
      'failed to read script',
    );
    throw readError(source, error);
  }
}

function readError(source: ScriptObject, error: unknown): ServiceError {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status === PRECONDITION_FAILED_STATUS) {
    return new ServiceError(
      409,
      'script_changed',
      `${source.key} no longer has eTag ${source.eTag}; the event of its new version runs it`,
      { cause: error },
    );
  }
  if (status === NOT_FOUND_STATUS) {
    return new ServiceError(404, 'script_not_found', `${source.key} does not exist`, {
      cause: error,
    });
  }
  return new ServiceError(
    503,
    'storage_unavailable',
    `failed to read ${source.key}: ${describeError(error)}`,
    {
      cause: error,
    },
  );
}
