/** Maximum length of a job id; ids are echoed in the response and logged. */
export const MAX_JOB_ID_LENGTH = 128;

/**
 * JSON Schema of the envelope of POST /batch. Each job's run fields are checked afterwards by
 * the /run validator, so that one invalid job gets its own error entry.
 */
export function batchRequestSchema(maxBatchJobs: number) {
  return {
    $id: 'BatchRequest',
    type: 'object',
    additionalProperties: false,
    required: ['jobs'],
    properties: {
      jobs: {
        type: 'array',
        minItems: 1,
        maxItems: maxBatchJobs,
        items: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string', minLength: 1, maxLength: MAX_JOB_ID_LENGTH },
          },
        },
      },
    },
  } as const;
}

/** A job as sent: a /run body plus its id. */
export interface BatchJobBody {
  id: string;
  [field: string]: unknown;
}

export interface BatchRequestBody {
  jobs: BatchJobBody[];
}
