import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { StorageConfig } from '../../handler/config/config.js';

/** Storage settings for unit tests; nothing listens on the endpoint, S3 calls are mocked. */
export const testStorageConfig: StorageConfig = {
  endpoint: 'http://127.0.0.1:9',
  region: 'us-east-1',
  bucket: 'artifacts',
  keyPrefix: 'runs/',
  accessKeyId: 'key',
  secretAccessKey: 'secret',
  forcePathStyle: true,
  urlTtlSeconds: 600,
  uploadAttempts: 3,
};

/** Creates an S3 client for aws-sdk-client-mock to intercept, with fixed test credentials. */
export function createTestS3Client(): S3Client {
  return new S3Client({
    endpoint: testStorageConfig.endpoint,
    region: testStorageConfig.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
  });
}

/** Builds the error the SDK throws for an S3 error response with this name and status. */
export function s3ServiceError(
  name: string,
  status: number,
  fault: 'client' | 'server' = 'server',
): S3ServiceException {
  return new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status } });
}
