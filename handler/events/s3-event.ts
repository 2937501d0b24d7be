import { Ajv } from 'ajv';
import { RequestError } from '../errors.js';
import { describeAjvError } from '../validation/run-request.js';
import { normaliseETag, type ScriptObject } from './script-object.js';

/** One record of an S3 event notification, with its object key decoded. */
export type S3EventRecord =
  | { kind: 'created'; object: ScriptObject }
  | { kind: 'invalid'; bucket: string; key: string; message: string }
  | { kind: 'other'; bucket: string; key: string; eventName: string };

interface RawRecord {
  eventName: string;
  s3: {
    bucket: { name: string };
    object: { key: string; eTag?: string; versionId?: string };
  };
}

/** AWS names created events `ObjectCreated:Put`; MinIO adds the `s3:` of the rule syntax. */
const CREATED_EVENT = /^(s3:)?ObjectCreated:/;

// Unknown fields are allowed, because S3 and MinIO add fields to records over time.
const recordSchema = {
  type: 'object',
  required: ['eventName', 's3'],
  properties: {
    eventName: { type: 'string' },
    s3: {
      type: 'object',
      required: ['bucket', 'object'],
      properties: {
        bucket: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        object: {
          type: 'object',
          required: ['key'],
          properties: {
            key: { type: 'string' },
            eTag: { type: 'string' },
            versionId: { type: 'string' },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateRecord = ajv.compile<RawRecord>(recordSchema);

/**
 * Reads the records of an S3 event notification. A body without a `Records` list is a 400;
 * a record of the wrong shape becomes an `invalid` entry so the other records still run.
 */
export function parseS3Event(body: unknown): S3EventRecord[] {
  const records = (body as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) {
    throw new RequestError(
      400,
      'invalid_event',
      'the body must be an S3 event notification with a "Records" list',
    );
  }
  return records.map(readRecord);
}

function readRecord(record: unknown): S3EventRecord {
  if (!validateRecord(record)) {
    const problem = describeAjvError(validateRecord.errors![0]!);
    return { kind: 'invalid', bucket: '', key: '', message: `invalid record: ${problem.message}` };
  }
  const bucket = record.s3.bucket.name;
  const key = decodeObjectKey(record.s3.object.key);
  if (key === undefined) {
    return { kind: 'invalid', bucket, key: record.s3.object.key, message: 'invalid key encoding' };
  }
  if (!CREATED_EVENT.test(record.eventName)) {
    return { kind: 'other', bucket, key, eventName: record.eventName };
  }
  if (!record.s3.object.eTag) {
    return { kind: 'invalid', bucket, key, message: 'the record has no s3.object.eTag' };
  }

  const object: ScriptObject = { bucket, key, eTag: normaliseETag(record.s3.object.eTag) };
  if (record.s3.object.versionId) {
    object.versionId = record.s3.object.versionId;
  }
  return { kind: 'created', object };
}

/**
 * Decodes an object key as event records carry it: URL-encoded in the form style, with `+` for
 * a space (as AWS documents for S3 event notifications, and MinIO does the same). Returns
 * undefined for an invalid percent-encoding.
 */
export function decodeObjectKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
