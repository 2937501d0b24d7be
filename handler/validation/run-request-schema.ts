import type { RequestLimits } from '../config/config.js';

/** JSON Schema of the body of POST /run. Byte limits are checked after parsing. */
export function runRequestSchema(limits: RequestLimits) {
  return {
    $id: 'RunRequest',
    type: 'object',
    additionalProperties: false,
    required: ['script'],
    properties: {
      script: {
        type: 'string',
        minLength: 1,
        description: `R source code, at most ${limits.maxScriptBytes} bytes of UTF-8`,
      },
      files: {
        type: 'array',
        description: 'Input files placed in the working directory before the script starts',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'content'],
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 1024,
              description: 'Relative path inside the working directory, such as data/in.csv',
            },
            content: { type: 'string' },
            encoding: { enum: ['utf-8', 'base64'], default: 'utf-8' },
          },
        },
      },
      timeout_seconds: {
        type: 'integer',
        minimum: 1,
        description: 'Time limit of this run, at most the server limit RUN_TIMEOUT_SECONDS',
      },
    },
  } as const;
}

export interface RunRequestBody {
  script: string;
  files?: { name: string; content: string; encoding?: 'utf-8' | 'base64' }[];
  timeout_seconds?: number;
}
