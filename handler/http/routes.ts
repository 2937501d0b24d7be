import type { Logger } from 'pino';
import { runResultSchema } from '../api/schemas.js';
import type { ServiceMetrics } from '../metrics/metrics.js';
import type { Authenticator } from '../auth/authenticate.js';
import { SCOPES, requireScope } from '../auth/scopes.js';
import { RequestError, ServiceError, describeError } from '../errors.js';
import { isEmptyBody, type EventRoutes } from '../events/event-routes.js';
import type { RunnerService } from '../service.js';
import type { RunRequestValidator } from '../validation/run-request.js';
import type { FunctionEvent, FunctionResponse } from './function-types.js';

export interface RouteDependencies {
  service: RunnerService;
  authenticator: Authenticator;
  validator: RunRequestValidator;
  logger: Logger;
  /** POST /batch, /events/s3 and the sweep; without them those routes return 404. */
  events?: EventRoutes;
  metrics?: ServiceMetrics;
  /** The OpenAPI document served at /openapi.json. */
  openApi?: unknown;
}

/** Call ids from the gateway are echoed and logged only when short and plain. */
const CALL_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** `/function/<name>` and `/function/<name>.<namespace>` as routed by the OpenFaaS gateway. */
const GATEWAY_PREFIX = /^\/function\/[^/]+/;

/** Routes one request to its operation and turns every error into a JSON response. */
export async function route(
  event: FunctionEvent,
  deps: RouteDependencies,
): Promise<FunctionResponse> {
  let callId: string | undefined;
  let echo: Record<string, string> = {};
  try {
    callId = readCallId(event);
    echo = callId ? { 'X-Call-Id': callId } : {};
    const response = await dispatch(event, deps, callId);
    return { ...response, headers: { ...echo, ...response.headers } };
  } catch (error) {
    const response = errorResponse(error, deps.logger, echo);
    deps.metrics?.recordRejection(
      response.status,
      (response.body as { error: { code: string } }).error.code,
    );
    return response;
  }
}

async function dispatch(
  event: FunctionEvent,
  deps: RouteDependencies,
  callId: string | undefined,
): Promise<FunctionResponse> {
  const path = normalisePath(event.path);
  const method = event.method.toUpperCase();

  switch (path) {
    case '/':
    case '/run':
      requireMethod(method, 'POST');
      // The OpenFaaS cron-connector posts an empty body to the function's root.
      if (path === '/' && deps.events && isEmptyBody(event)) {
        return deps.events.sweep(event);
      }
      return runScript(event, deps, callId);
    case '/batch':
      requireMethod(method, 'POST');
      return requireEvents(deps, path).batch(event);
    case '/events/s3':
      requireMethod(method, 'POST');
      return requireEvents(deps, path).s3Event(event);
    case '/events/cron':
      requireMethod(method, 'POST');
      return requireEvents(deps, path).sweep(event);
    case '/health':
    case '/health/live':
      requireMethod(method, 'GET');
      return { status: 200, body: { status: 'ok' } };
    case '/health/ready': {
      requireMethod(method, 'GET');
      const report = await deps.service.readiness();
      return {
        status: report.ready ? 200 : 503,
        body: {
          status: report.ready ? 'ready' : 'unavailable',
          checks: report.checks,
          ...(report.warmPool ? { warm_pool: report.warmPool } : {}),
        },
      };
    }
    case '/openapi.json':
      requireMethod(method, 'GET');
      return { status: 200, body: deps.openApi ?? {} };
    case '/schema':
      requireMethod(method, 'GET');
      return { status: 200, body: runResultSchema };
    case '/metrics': {
      requireMethod(method, 'GET');
      if (!deps.metrics) {
        throw new RequestError(404, 'not_found', 'metrics are not enabled');
      }
      return {
        status: 200,
        headers: { 'Content-Type': deps.metrics.registry.contentType },
        body: await deps.metrics.registry.metrics(),
      };
    }
    case '/system': {
      requireMethod(method, 'GET');
      const caller = deps.authenticator.authenticate(header(event, 'authorization'));
      requireScope(caller, SCOPES.system);
      const image = queryParameter(event, 'image');
      return { status: 200, body: await deps.service.system(image) };
    }
    default:
      throw new RequestError(404, 'not_found', `no route for ${method} ${path}`);
  }
}

async function runScript(
  event: FunctionEvent,
  deps: RouteDependencies,
  callId: string | undefined,
): Promise<FunctionResponse> {
  const caller = deps.authenticator.authenticate(header(event, 'authorization'));
  requireScope(caller, SCOPES.run);
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    throw new RequestError(
      415,
      'unsupported_media_type',
      `Content-Type must be application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`,
    );
  }

  const request = deps.validator.parse(event.body);
  const { result, replayed } = await deps.service.run(request, caller, callId);
  return { status: 200, headers: replayed ? { 'X-Call-Replayed': 'true' } : {}, body: result };
}

function requireEvents(deps: RouteDependencies, path: string): EventRoutes {
  if (!deps.events) {
    throw new RequestError(404, 'not_found', `no route for ${path}`);
  }
  return deps.events;
}

function requireMethod(method: string, expected: string): void {
  if (method !== expected) {
    throw new RequestError(405, 'method_not_allowed', `use ${expected}, not ${method}`, {
      headers: { Allow: expected },
    });
  }
}

function normalisePath(path: string): string {
  const withoutPrefix = path.replace(GATEWAY_PREFIX, '');
  const trimmed = withoutPrefix.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

function header(event: FunctionEvent, name: string): string | undefined {
  const value = event.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function queryParameter(event: FunctionEvent, name: string): string | undefined {
  const value = event.query[name];
  if (value === undefined || typeof value === 'string') {
    return value;
  }
  throw new RequestError(
    400,
    'invalid_request',
    `the query parameter "${name}" must be given once`,
  );
}

/**
 * Returns the X-Call-Id header. An invalid one is rejected rather than ignored, because a
 * retried call without a usable id would run its script again.
 */
function readCallId(event: FunctionEvent): string | undefined {
  const value = event.headers['x-call-id'];
  if (value === undefined) {
    return undefined;
  }
  if (Array.isArray(value) || !CALL_ID_PATTERN.test(value)) {
    throw new RequestError(
      400,
      'invalid_call_id',
      'X-Call-Id must be one header of 1 to 128 letters, digits or ._:- characters',
    );
  }
  return value;
}

/** Serialises any error: service errors as they are, anything else as a bare 500. */
export function errorResponse(
  error: unknown,
  logger: Logger,
  headers: Record<string, string> = {},
): FunctionResponse {
  if (error instanceof ServiceError) {
    if (error.status >= 500) {
      logger.error(
        { code: error.code, err: describeError(error), cause: describeError(error.cause) },
        'request failed',
      );
    }
    return {
      status: error.status,
      headers: { ...headers, ...error.headers },
      body: error.toJSON(),
    };
  }
  logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'unexpected error');
  return {
    status: 500,
    headers,
    body: {
      error: { code: 'internal_error', message: 'internal error; the service log has the details' },
    },
  };
}
