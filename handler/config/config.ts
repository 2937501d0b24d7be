import { ConfigError, EnvReader, type Environment } from './env-reader.js';
import { describeJwtConfig, loadJwtConfig, type JwtConfig } from './jwt-config.js';

export { ConfigError };
export type { JwtAlgorithm, JwtConfig } from './jwt-config.js';

/** Folder in which OpenFaaS mounts a function's secrets. */
export const OPENFAAS_SECRETS_DIR = '/var/openfaas/secrets';

export interface RunLimits {
  timeoutSeconds: number;
  memoryBytes: number;
  /** RLIMIT_AS for R, so that huge allocations fail inside R with a message; 0 turns it off. */
  addressSpaceBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  workspaceBytes: number;
  tmpBytes: number;
  maxOutputBytes: number;
  maxArtifactCount: number;
  maxArtifactBytes: number;
}

export interface RequestLimits {
  maxBodyBytes: number;
  maxScriptBytes: number;
  maxInputFiles: number;
  maxInputBytes: number;
}

export interface StorageConfig {
  endpoint: string;
  /** Endpoint written into presigned URLs, when clients reach S3 by another address. */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  keyPrefix: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  urlTtlSeconds: number;
  uploadAttempts: number;
}

export interface WarmPoolConfig {
  /** Containers kept started with R waiting for a script; 0 turns the pool off. */
  size: number;
  preloadPackages: string[];
  idleSeconds: number;
}

/** Batch runs, S3 bucket events and the scheduled sweep of the input prefix. */
export interface EventsConfig {
  /** Jobs of one POST /batch that run at once; at most MAX_CONCURRENT_RUNS. */
  batchConcurrency: number;
  maxBatchJobs: number;
  /** Bucket the scheduled sweep lists; bucket events name their own bucket. */
  bucket: string;
  /** Scripts are keys under this prefix that end in `.R`. */
  inputPrefix: string;
  /** Results of `<inputPrefix><name>.R` go under `<resultsPrefix><name>/`. */
  resultsPrefix: string;
  /** The sweep starts no new script after this long. */
  cronTimeBudgetSeconds: number;
  /** Lets an empty POST without credentials start the sweep, as the cron-connector sends it. */
  allowUnauthenticatedSweep: boolean;
}

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  token?: string;
  /** Verification of JWT bearer tokens; absent when no JWT key is configured. */
  jwt?: JwtConfig;
  image: string;
  /** Images whose inventory `GET /system?image=` returns; always contains `image`. */
  images: string[];
  limits: RunLimits;
  request: RequestLimits;
  storage: StorageConfig;
  maxConcurrentRuns: number;
  maxQueuedRuns: number;
  pool: WarmPoolConfig;
  /** Containers of this service older than this are removed by the periodic sweep. */
  staleContainerSeconds: number;
  sweepIntervalSeconds: number;
  events: EventsConfig;
}

const MIB = 1024 * 1024;

/**
 * Loads the configuration once from the environment and the OpenFaaS secrets folder. Secret
 * files win over environment variables, which win over the defaults below.
 */
export function loadConfig(env: Environment, secretsDir = OPENFAAS_SECRETS_DIR): Config {
  const read = new EnvReader(env, secretsDir);
  const limits = loadRunLimits(read);
  const image = read.string('RUNNER_SCRIPT_IMAGE', 'r-runner/r-base:latest');
  const storage = loadStorageConfig(read);
  const maxConcurrentRuns = read.integer('MAX_CONCURRENT_RUNS', 4, { min: 1, max: 256 });

  return {
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', 8080, { min: 1, max: 65535 }),
    logLevel: read.string('LOG_LEVEL', 'info'),
    token: read.secret('runner-token', 'RUNNER_TOKEN'),
    jwt: loadJwtConfig(read),
    image,
    images: loadImageList(read, image),
    limits,
    request: loadRequestLimits(read),
    storage,
    maxConcurrentRuns,
    maxQueuedRuns: read.integer('MAX_QUEUED_RUNS', 16, { min: 0, max: 10_000 }),
    pool: {
      size: read.integer('RUN_POOL_SIZE', 0, { min: 0, max: 64 }),
      preloadPackages: read
        .string('RUN_POOL_PRELOAD_PACKAGES', '')
        .split(/[\s,]+/)
        .filter(Boolean),
      idleSeconds: read.integer('RUN_POOL_IDLE_SECONDS', 600, { min: 1 }),
    },
    staleContainerSeconds: read.integer('STALE_CONTAINER_SECONDS', limits.timeoutSeconds + 300, {
      min: limits.timeoutSeconds + 10,
    }),
    sweepIntervalSeconds: read.integer('SWEEP_INTERVAL_SECONDS', 60, { min: 1 }),
    events: loadEventsConfig(read, storage.bucket, maxConcurrentRuns),
  };
}

function loadEventsConfig(
  read: EnvReader,
  artifactBucket: string,
  maxConcurrentRuns: number,
): EventsConfig {
  const inputPrefix = read.string('INPUT_PREFIX', 'jobs/');
  const resultsPrefix = read.string('RESULTS_PREFIX', 'results/');
  // Results written inside the input prefix would be listed as scripts by the sweep.
  if (resultsPrefix.startsWith(inputPrefix) || inputPrefix.startsWith(resultsPrefix)) {
    throw new ConfigError(
      `INPUT_PREFIX (${JSON.stringify(inputPrefix)}) and RESULTS_PREFIX (${JSON.stringify(resultsPrefix)}) must not contain each other`,
    );
  }

  return {
    // A batch larger than the run limit would only wait in the run queue.
    batchConcurrency: Math.min(
      read.integer('BATCH_CONCURRENCY', 2, { min: 1, max: 256 }),
      maxConcurrentRuns,
    ),
    maxBatchJobs: read.integer('MAX_BATCH_JOBS', 50, { min: 1, max: 10_000 }),
    bucket: read.string('EVENTS_BUCKET', artifactBucket),
    inputPrefix,
    resultsPrefix,
    cronTimeBudgetSeconds: read.integer('CRON_TIME_BUDGET_SECONDS', 240, { min: 1 }),
    allowUnauthenticatedSweep: read.boolean('ALLOW_UNAUTHENTICATED_SWEEP', false),
  };
}

/** Docker image references: repository, optional tag and optional digest. */
const IMAGE_REFERENCE = /^[a-z0-9][\w./:-]*(@sha256:[0-9a-f]{64})?$/i;

function loadImageList(read: EnvReader, image: string): string[] {
  const images = read
    .string('RUNNER_IMAGES', image)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = images.find((entry) => !IMAGE_REFERENCE.test(entry));
  if (invalid !== undefined) {
    throw new ConfigError(
      `RUNNER_IMAGES must be a comma-separated list of image names, got ${JSON.stringify(invalid)}`,
    );
  }
  return [...new Set([image, ...images])];
}

function loadRunLimits(read: EnvReader): RunLimits {
  const memoryMb = read.integer('RUN_MEMORY_MB', 512, { min: 64 });
  const addressSpaceMb = read.integer('RUN_ADDRESS_SPACE_MB', memoryMb + 256, { min: 0 });
  if (addressSpaceMb !== 0 && addressSpaceMb < 256) {
    throw new ConfigError('RUN_ADDRESS_SPACE_MB must be 0 (no limit) or at least 256');
  }

  return {
    timeoutSeconds: read.integer('RUN_TIMEOUT_SECONDS', 30, { min: 1, max: 86_400 }),
    memoryBytes: memoryMb * MIB,
    addressSpaceBytes: addressSpaceMb * MIB,
    nanoCpus: Math.round(read.number('RUN_CPUS', 1, { min: 0.01, max: 256 }) * 1e9),
    pidsLimit: read.integer('RUN_PIDS_LIMIT', 128, { min: 16, max: 65_536 }),
    workspaceBytes: read.integer('RUN_WORKSPACE_MB', 128, { min: 1 }) * MIB,
    tmpBytes: read.integer('RUN_TMP_MB', 64, { min: 1 }) * MIB,
    maxOutputBytes: read.integer('MAX_OUTPUT_BYTES', 1_000_000, { min: 1024 }),
    maxArtifactCount: read.integer('MAX_ARTIFACT_COUNT', 10, { min: 0, max: 10_000 }),
    maxArtifactBytes: read.integer('MAX_ARTIFACT_BYTES', 5_000_000, { min: 1 }),
  };
}

function loadRequestLimits(read: EnvReader): RequestLimits {
  const maxScriptBytes = read.integer('MAX_SCRIPT_BYTES', 500_000, { min: 1 });
  const maxInputBytes = read.integer('MAX_INPUT_BYTES', 10_000_000, { min: 0 });
  // Base64 grows input by a third; the rest is room for JSON syntax and escapes.
  const bodyFallback = maxScriptBytes * 2 + Math.ceil(maxInputBytes * 1.4) + 64 * 1024;

  return {
    maxBodyBytes: read.integer('MAX_BODY_BYTES', bodyFallback, { min: 1024 }),
    maxScriptBytes,
    maxInputFiles: read.integer('MAX_INPUT_FILES', 20, { min: 0, max: 10_000 }),
    maxInputBytes,
  };
}

function loadStorageConfig(read: EnvReader): StorageConfig {
  return {
    endpoint: read.string('S3_ENDPOINT', 'http://127.0.0.1:9000'),
    publicEndpoint: read.optionalString('S3_PUBLIC_ENDPOINT'),
    region: read.string('S3_REGION', 'us-east-1'),
    bucket: read.string('S3_BUCKET', 'r-runner-artifacts'),
    keyPrefix: read.string('S3_KEY_PREFIX', 'runs/'),
    accessKeyId: read.secret('s3-access-key-id', 'S3_ACCESS_KEY_ID'),
    secretAccessKey: read.secret('s3-secret-access-key', 'S3_SECRET_ACCESS_KEY'),
    forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', true),
    urlTtlSeconds: read.integer('ARTIFACT_URL_TTL_SECONDS', 3600, { min: 1, max: 604_800 }),
    uploadAttempts: read.integer('S3_UPLOAD_ATTEMPTS', 4, { min: 1, max: 20 }),
  };
}

/** Returns the configuration without secrets, for the start-up log line. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { token, jwt, storage, ...rest } = config;
  const { accessKeyId, secretAccessKey, ...publicStorage } = storage;
  return {
    ...rest,
    storage: publicStorage,
    tokenConfigured: token !== undefined,
    jwt: jwt ? describeJwtConfig(jwt) : undefined,
    s3CredentialsConfigured: accessKeyId !== undefined && secretAccessKey !== undefined,
  };
}
