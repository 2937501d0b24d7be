import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { UnavailableError, describeError } from '../errors.js';
import { isScriptKey, resultKeyFor } from './script-keys.js';
import { normaliseETag, type ScriptObject } from './script-object.js';

interface ListedObject {
  key: string;
  eTag: string;
  lastModified: number;
}

/** The bucket and prefixes that the sweep reads. */
export interface SweepLocation {
  bucket: string;
  inputPrefix: string;
  resultsPrefix: string;
}

/**
 * Lists the scripts under the input prefix that have no result.json yet, oldest first by
 * LastModified. Two listings (scripts and results) replace one look-up per script.
 */
export async function listPendingScripts(
  client: S3Client,
  location: SweepLocation,
  logger: Logger,
): Promise<ScriptObject[]> {
  const [scripts, results] = await Promise.all([
    listObjects(client, location.bucket, location.inputPrefix, logger),
    listObjects(client, location.bucket, location.resultsPrefix, logger),
  ]);
  const resultKeys = new Set(results.map((object) => object.key));

  return scripts
    .filter((object) => isScriptKey(object.key, location.inputPrefix))
    .filter(
      (object) =>
        !resultKeys.has(resultKeyFor(object.key, location.inputPrefix, location.resultsPrefix)),
    )
    .sort((a, b) => a.lastModified - b.lastModified)
    .map((object) => ({ bucket: location.bucket, key: object.key, eTag: object.eTag }));
}

async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  logger: Logger,
): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  const startedAt = Date.now();
  let continuationToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: continuationToken,
        }),
      );
      for (const entry of page.Contents ?? []) {
        if (entry.Key && entry.ETag) {
          objects.push({
            key: entry.Key,
            eTag: normaliseETag(entry.ETag),
            lastModified: entry.LastModified?.getTime() ?? 0,
          });
        }
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  } catch (error) {
    logger.error({ bucket, prefix, err: describeError(error) }, 'failed to list objects');
    throw new UnavailableError(
      'storage_unavailable',
      `failed to list ${bucket}/${prefix}: ${describeError(error)}`,
      error,
    );
  }
  logger.debug(
    { bucket, prefix, objects: objects.length, ms: Date.now() - startedAt },
    'listed objects',
  );
  return objects;
}
