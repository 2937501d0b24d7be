/**
 * JSON Schemas of the service's responses. Together with the request schema in
 * validation/run-request-schema.ts they are the one source of the OpenAPI document.
 */

const artifactSchema = {
  type: 'object',
  required: ['name', 'size_bytes', 'content_type', 'sha256', 'url', 'expires_at'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Path relative to the working directory' },
    size_bytes: { type: 'integer', minimum: 0 },
    content_type: { type: 'string' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    url: { type: 'string', description: 'Presigned GET URL; no other credential is needed' },
    expires_at: { type: 'string', format: 'date-time' },
  },
} as const;

const skippedArtifactSchema = {
  type: 'object',
  required: ['name', 'reason', 'message'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    reason: {
      enum: ['too_large', 'too_many', 'symlink', 'not_regular_file', 'invalid_name', 'not_stored'],
    },
    message: { type: 'string' },
    size_bytes: { type: 'integer', minimum: 0 },
  },
} as const;

export const runResultSchema = {
  $id: 'RunResult',
  title: 'RunResult',
  type: 'object',
  additionalProperties: false,
  required: [
    'run_id',
    'success',
    'exit_code',
    'timed_out',
    'oom_killed',
    'stdout',
    'stderr',
    'stdout_truncated',
    'stderr_truncated',
    'stdout_bytes',
    'stderr_bytes',
    'duration_ms',
    'limits',
    'artifacts',
    'skipped_artifacts',
    'skipped_artifact_count',
  ],
  properties: {
    run_id: { type: 'string', format: 'uuid' },
    success: { type: 'boolean', description: 'R exited with 0 within every limit' },
    exit_code: {
      type: ['integer', 'null'],
      description: "R's exit status; 137 when R was killed; null when R never started",
    },
    timed_out: { type: 'boolean' },
    oom_killed: { type: 'boolean' },
    message: { type: 'string', description: 'Plain-words summary of limits that were hit' },
    stdout: { type: 'string', description: 'UTF-8; invalid bytes appear as U+FFFD' },
    stderr: { type: 'string' },
    stdout_truncated: { type: 'boolean' },
    stderr_truncated: { type: 'boolean' },
    stdout_bytes: { type: 'integer', minimum: 0, description: 'Bytes printed, kept or not' },
    stderr_bytes: { type: 'integer', minimum: 0 },
    stdout_base64: { type: 'string', description: 'Exact bytes, when stdout is not UTF-8' },
    stderr_base64: { type: 'string' },
    runtime_stderr: { type: 'string', description: 'Set when the container failed first' },
    duration_ms: { type: 'integer', minimum: 0 },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: [
        'timeout_seconds',
        'memory_bytes',
        'max_output_bytes',
        'max_artifact_count',
        'max_artifact_bytes',
      ],
      properties: {
        timeout_seconds: { type: 'integer' },
        memory_bytes: { type: 'integer' },
        max_output_bytes: { type: 'integer' },
        max_artifact_count: { type: 'integer' },
        max_artifact_bytes: { type: 'integer' },
      },
    },
    artifacts: { type: 'array', items: artifactSchema },
    skipped_artifacts: { type: 'array', items: skippedArtifactSchema, maxItems: 100 },
    skipped_artifact_count: { type: 'integer', minimum: 0 },
    artifacts_error: { type: 'string' },
  },
} as const;

export const errorSchema = {
  $id: 'Error',
  title: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable, for programs' },
        message: { type: 'string', description: 'For people; names the field or limit' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'message'],
            properties: { field: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;
