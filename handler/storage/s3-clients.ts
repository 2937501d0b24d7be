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
  // Without configured keys the SDK would search its default chain, which ends at the cloud
  // metadata address. The service never does that: uploads fail with this message instead.
  const credentials =
    config.accessKeyId && config.secretAccessKey
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : async () => {
          throw new Error(
            'S3 credentials are not configured: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY ' +
              'or the s3-access-key-id and s3-secret-access-key secrets',
          );
        };

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
