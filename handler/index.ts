import { hostname } from 'node:os';
import { buildOpenApiDocument } from './api/openapi.js';
import { SERVICE_VERSION } from './api/version.js';
import { ServiceMetrics } from './metrics/metrics.js';
import { Authenticator } from './auth/authenticate.js';
import { describeConfig, loadConfig, type Config } from './config/config.js';
import { describeError } from './errors.js';
import { createEventRoutes } from './events/create-event-routes.js';
import type { FunctionContext, FunctionEvent } from './http/function-types.js';
import { route, type RouteDependencies } from './http/routes.js';
import { createLogger } from './logging/logger.js';
import { createDockerClient } from './runner/docker-client.js';
import { DockerRuntime } from './runner/docker-runtime.js';
import { ContainerSweeper } from './runner/sweeper.js';
import { RunnerService } from './service.js';
import { ArtifactStore } from './storage/artifact-store.js';
import { CallResultStore } from './storage/call-results.js';
import { createS3Clients } from './storage/s3-clients.js';
import { RunRequestValidator } from './validation/run-request.js';

export type { FunctionContext, FunctionEvent } from './http/function-types.js';

/** Settings the template needs before it accepts requests. */
export interface HandlerOptions {
  maxBodyBytes: number;
  host: string;
  port: number;
}

let dependencies: RouteDependencies | undefined;
let sweeper: ContainerSweeper | undefined;
let runnerService: RunnerService | undefined;

/**
 * Loads the configuration, checks it, removes containers a previous process left behind and
 * starts the periodic sweep. Called once by the template before it listens.
 */
export async function init(env: NodeJS.ProcessEnv = process.env): Promise<HandlerOptions> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const instanceId = env.RUNNER_INSTANCE_ID?.trim() || hostname();
  logger.info({ config: describeConfig(config), instanceId }, 'configuration loaded');

  const authenticator = new Authenticator({ token: config.token, jwt: config.jwt });
  if (!authenticator.configured) {
    logger.error(
      'no credential configured: set RUNNER_TOKEN, JWT_SECRET or JWT_PUBLIC_KEY (or the secrets runner-token, jwt-secret, jwt-public-key); /run and /system return 503 until then',
    );
  }

  const runtime = new DockerRuntime(createDockerClient(env));
  const s3Clients = createS3Clients(config.storage);
  const store = new ArtifactStore(config.storage, s3Clients, logger);
  const callResults = new CallResultStore(config.storage, s3Clients, logger);
  // The gauges read the service when scraped, so they can be made before it.
  const metrics: ServiceMetrics = new ServiceMetrics({
    queued: () => service.queue.queued,
    running: () => service.queue.running,
    warmPool: () => service.warmContainersReady,
  });
  const service: RunnerService = new RunnerService(
    config,
    runtime,
    store,
    logger,
    instanceId,
    callResults,
    metrics,
  );
  sweeper = new ContainerSweeper(runtime, instanceId, config.staleContainerSeconds * 1000, logger);

  await prepareDependencies(config, store, sweeper, logger);
  sweeper.start(config.sweepIntervalSeconds * 1000);
  service.start();
  runnerService = service;

  const validator = new RunRequestValidator(config.request, config.limits.timeoutSeconds);
  dependencies = {
    service,
    authenticator,
    validator,
    logger,
    events: createEventRoutes(config, service, authenticator, validator, s3Clients, logger),
    metrics,
    openApi: buildOpenApiDocument(config.request, SERVICE_VERSION),
  };
  return { maxBodyBytes: config.request.maxBodyBytes, host: config.host, port: config.port };
}

/** Start-up work that may fail while Docker or S3 is down; the service starts anyway. */
async function prepareDependencies(
  config: Config,
  store: ArtifactStore,
  containerSweeper: ContainerSweeper,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  try {
    const removed = await containerSweeper.removeLeftovers();
    logger.info({ removed }, 'checked for leftover run containers');
  } catch (error) {
    logger.warn({ err: describeError(error) }, 'could not check for leftover run containers');
  }
  try {
    await store.ensureBucket();
  } catch (error) {
    logger.warn(
      { bucket: config.storage.bucket, err: describeError(error) },
      'artifact bucket not ready',
    );
  }
}

/** The OpenFaaS handler: (event, context) as in the node20 template. */
export async function handle(event: FunctionEvent, context: FunctionContext): Promise<void> {
  if (!dependencies) {
    throw new Error('init() must finish before handle() is called');
  }
  const response = await route(event, dependencies);
  context
    .status(response.status)
    .headers({ 'Content-Type': 'application/json; charset=utf-8', ...response.headers })
    .succeed(response.body);
}

/** Stops background work and removes warm containers; in-flight runs finish first. */
export async function shutdown(): Promise<void> {
  sweeper?.stop();
  await runnerService?.close();
}

export default handle;
