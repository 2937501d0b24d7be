import type { RequestLimits } from '../config/config.js';
import { runRequestSchema } from '../validation/run-request-schema.js';
import { errorSchema, runResultSchema } from './schemas.js';

const JSON_TYPE = 'application/json';

/** Strips the ajv-only `$id`, which OpenAPI components do not need. */
function component<T extends { $id?: string }>(schema: T): Omit<T, '$id'> {
  const { $id: _id, ...rest } = schema;
  return rest;
}

function errorResponse(description: string, code: string, message: string) {
  return {
    description,
    content: {
      [JSON_TYPE]: {
        schema: { $ref: '#/components/schemas/Error' },
        example: { error: { code, message } },
      },
    },
  };
}

const runExample = {
  run_id: '4ed42dbb-3042-4902-9724-ae790a845180',
  success: true,
  exit_code: 0,
  timed_out: false,
  oom_killed: false,
  stdout: '4',
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  stdout_bytes: 1,
  stderr_bytes: 0,
  duration_ms: 208,
  limits: {
    timeout_seconds: 30,
    memory_bytes: 536870912,
    max_output_bytes: 1000000,
    max_artifact_count: 10,
    max_artifact_bytes: 5000000,
  },
  artifacts: [],
  skipped_artifacts: [],
  skipped_artifact_count: 0,
};

/** Builds the OpenAPI 3.1 document of the service from the schemas that validate requests. */
export function buildOpenApiDocument(limits: RequestLimits, version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'r-runner',
      version,
      description:
        'Runs R scripts in fresh, locked-down containers and returns their output, with ' +
        'presigned download URLs for the files they write.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The static token of the server, or a JWT signed with its configured key',
        },
      },
      schemas: {
        RunRequest: component(runRequestSchema(limits)),
        RunResult: component(runResultSchema),
        Error: component(errorSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/run': {
        post: {
          operationId: 'run',
          summary: 'Run an R script',
          requestBody: {
            required: true,
            content: {
              [JSON_TYPE]: {
                schema: { $ref: '#/components/schemas/RunRequest' },
                example: {
                  script: "d <- read.csv('in.csv'); cat(sum(d$v))",
                  files: [{ name: 'in.csv', content: 'v\n1\n2\n' }],
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'The script ran; `success` tells whether it succeeded',
              content: {
                [JSON_TYPE]: {
                  schema: { $ref: '#/components/schemas/RunResult' },
                  example: runExample,
                },
              },
            },
            '400': errorResponse('Invalid request', 'invalid_request', 'script is required'),
            '401': errorResponse(
              'Missing or invalid credential',
              'invalid_credentials',
              'the bearer token is not valid',
            ),
            '403': errorResponse(
              'Valid credential without the run scope',
              'insufficient_scope',
              'the token lacks the run scope',
            ),
            '413': errorResponse(
              'Body, script or input files over a limit',
              'script_too_large',
              'script is 600000 bytes, over MAX_SCRIPT_BYTES (500000)',
            ),
            '415': errorResponse(
              'Body is not JSON',
              'unsupported_media_type',
              'Content-Type must be application/json, got "text/plain"',
            ),
            '429': errorResponse(
              'Too many runs at once; see Retry-After',
              'too_many_runs',
              '4 runs are executing and 16 are queued, the most this server accepts; retry later',
            ),
            '503': errorResponse(
              'Docker or the runtime image is unavailable; see Retry-After',
              'container_runtime_unavailable',
              'The container runtime (Docker) is unavailable: failed to ping the Docker daemon',
            ),
          },
        },
      },
      '/system': {
        get: {
          operationId: 'system',
          summary: 'R version and installed packages of the runtime image',
          responses: {
            '200': { description: 'Inventory of the image', content: { [JSON_TYPE]: {} } },
            '401': errorResponse(
              'Missing or invalid credential',
              'missing_credentials',
              'the Authorization header is missing',
            ),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'liveness',
          security: [],
          responses: { '200': { description: 'The process serves requests' } },
        },
      },
      '/health/ready': {
        get: {
          operationId: 'readiness',
          security: [],
          responses: {
            '200': { description: 'Docker, the runtime image and storage respond' },
            '503': { description: 'One check or more failed; the body names them' },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          security: [],
          responses: { '200': { description: 'This document' } },
        },
      },
      '/schema': {
        get: {
          operationId: 'resultSchema',
          security: [],
          responses: { '200': { description: 'JSON Schema of the run result' } },
        },
      },
    },
  };
}
