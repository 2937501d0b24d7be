import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { lookup as lookupMimeType } from 'mime-types';
import type { Logger } from 'pino';
import type { StorageConfig } from '../config/config.js';
import { UnavailableError, describeError } from '../errors.js';
import type { SkippedFile, WorkspaceFile } from '../runner/workspace-archive.js';

/** An artifact as returned to the caller. */
export interface StoredArtifact {
  name: string;
  size_bytes: number;
  content_type: string;
  sha256: string;
  url: string;
  expires_at: string;
}

export interface StoreResult {
  stored: StoredArtifact[];
  failed: SkippedFile[];
}

/** Location of a run's files: a bucket and a key prefix ending in `/`. */
export interface ArtifactDestination {
  bucket: string;
  keyPrefix: string;
}

const NOT_FOUND_STATUS = 404;

/**
 * Stores a run's files under `<keyPrefix><runId>/` of the artifact bucket, or under an explicit
 * destination, and signs a download URL for each.
 */
export class ArtifactStore {
  constructor(
    private readonly config: StorageConfig,
    private readonly clients: { upload: S3Client; presign: S3Client },
    private readonly logger: Logger,
  ) {}

  /** Creates the bucket when it does not exist. New buckets are private. */
  async ensureBucket(): Promise<void> {
    const bucket = this.config.bucket;
    try {
      await this.clients.upload.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (httpStatus(error) !== NOT_FOUND_STATUS) {
        throw storageUnavailable(`check bucket ${bucket}`, error);
      }
    }
    try {
      await this.clients.upload.send(new CreateBucketCommand({ Bucket: bucket }));
      this.logger.info({ bucket }, 'created artifact bucket');
    } catch (error) {
      throw storageUnavailable(`create bucket ${bucket}`, error);
    }
  }

  /** Checks that the bucket responds, for the readiness check. */
  async check(): Promise<void> {
    try {
      await this.clients.upload.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      throw storageUnavailable(`reach bucket ${this.config.bucket}`, error);
    }
  }

  /**
   * Uploads every file. A file that cannot be stored is returned in `failed` instead of
   * raising. Without a destination the files go to `<keyPrefix><runId>/` of the bucket.
   */
  async store(
    runId: string,
    files: WorkspaceFile[],
    destination: ArtifactDestination = this.runDestination(runId),
  ): Promise<StoreResult> {
    const results = await Promise.all(files.map((file) => this.storeOne(runId, file, destination)));
    const stored: StoredArtifact[] = [];
    const failed: SkippedFile[] = [];
    for (const result of results) {
      if ('url' in result) {
        stored.push(result);
      } else {
        failed.push(result);
      }
    }
    return { stored, failed };
  }

  private runDestination(runId: string): ArtifactDestination {
    return { bucket: this.config.bucket, keyPrefix: `${this.config.keyPrefix}${runId}/` };
  }

  private async storeOne(
    runId: string,
    file: WorkspaceFile,
    destination: ArtifactDestination,
  ): Promise<StoredArtifact | SkippedFile> {
    const { bucket } = destination;
    const key = `${destination.keyPrefix}${file.name}`;
    const contentType = lookupMimeType(file.name) || 'application/octet-stream';
    const startedAt = Date.now();

    try {
      await this.clients.upload.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: file.content,
          ContentType: contentType,
          Metadata: { sha256: file.sha256, 'run-id': runId },
        }),
      );
    } catch (error) {
      this.logger.error(
        { runId, bucket, key, attempts: this.config.uploadAttempts, err: describeError(error) },
        'failed to upload artifact',
      );
      return {
        name: file.name,
        reason: 'not_stored',
        size_bytes: file.content.length,
        message: `upload to S3 failed after ${this.config.uploadAttempts} attempts: ${describeError(error)}`,
      };
    }
    this.logger.debug({ runId, bucket, key, ms: Date.now() - startedAt }, 'uploaded artifact');

    const expiresAt = new Date(Date.now() + this.config.urlTtlSeconds * 1000);
    const url = await getSignedUrl(
      this.clients.presign,
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      { expiresIn: this.config.urlTtlSeconds },
    );
    return {
      name: file.name,
      size_bytes: file.content.length,
      content_type: contentType,
      sha256: file.sha256,
      url,
      expires_at: expiresAt.toISOString(),
    };
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function storageUnavailable(action: string, cause: unknown): UnavailableError {
  return new UnavailableError(
    'storage_unavailable',
    `Artifact storage (S3) is unavailable: failed to ${action}: ${describeError(cause)}`,
    cause,
  );
}
