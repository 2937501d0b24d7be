import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StorageConfig } from '../config/config.js';

const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Creates the client that uploads (internal endpoint) and the one that signs download URLs
 * (public endpoint, when clients reach S3 by another address than the function does).
 */
export function createS3Clients(config: StorageConfig): { upload: S3Client; presign: S3Client } {
  const upload = createClient(config, config.endpoint);
  const presign = config.publicEndpoint ? createClient(config, config.publicEndpoint) : upload;
  return { upload, presign };
}

function createClient(config: StorageConfig, endpoint: string): S3Client {
  const credentials =
    config.accessKeyId && config.secretAccessKey
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : undefined;

  return new S3Client({
    endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials,
    // The SDK's standard retry mode retries throttling, 5xx and connection errors with
    // exponential backoff and jitter.
    retryMode: 'standard',
    maxAttempts: config.uploadAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
    }),
  });
}
