import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RequestLimits } from '../config/config.js';
import { RequestError } from '../errors.js';
import type { InputFile } from '../runner/workspace-archive.js';
import { fileNameProblem } from './file-names.js';
import { runRequestSchema, type RunRequestBody } from './run-request-schema.js';

export interface ParsedRunRequest {
  script: string;
  files: InputFile[];
  timeoutSeconds?: number;
}

export interface FieldProblem {
  field: string;
  message: string;
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Validates POST /run bodies. The schema is compiled once, when the validator is made. */
export class RunRequestValidator {
  private readonly validate: ValidateFunction<RunRequestBody>;

  constructor(
    private readonly limits: RequestLimits,
    private readonly maxTimeoutSeconds: number,
  ) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    this.validate = ajv.compile<RunRequestBody>(runRequestSchema(limits));
  }

  parse(body: unknown): ParsedRunRequest {
    if (!this.validate(body)) {
      const problems = (this.validate.errors ?? []).map(describeAjvError);
      throw new RequestError(400, 'invalid_request', summarise(problems), { details: problems });
    }

    const scriptBytes = Buffer.byteLength(body.script, 'utf8');
    if (scriptBytes > this.limits.maxScriptBytes) {
      throw new RequestError(
        413,
        'script_too_large',
        `script is ${scriptBytes} bytes, over MAX_SCRIPT_BYTES (${this.limits.maxScriptBytes})`,
      );
    }
    if (body.timeout_seconds !== undefined && body.timeout_seconds > this.maxTimeoutSeconds) {
      throw new RequestError(
        400,
        'timeout_too_large',
        `timeout_seconds is ${body.timeout_seconds}, over the server limit of ${this.maxTimeoutSeconds}`,
      );
    }

    return {
      script: body.script,
      files: this.decodeFiles(body.files ?? []),
      timeoutSeconds: body.timeout_seconds,
    };
  }

  private decodeFiles(files: NonNullable<RunRequestBody['files']>): InputFile[] {
    if (files.length > this.limits.maxInputFiles) {
      throw new RequestError(
        400,
        'too_many_files',
        `files has ${files.length} entries, over MAX_INPUT_FILES (${this.limits.maxInputFiles})`,
      );
    }

    const seen = new Set<string>();
    const folders = new Set(files.flatMap((file) => parentFolders(file.name)));
    let totalBytes = 0;
    return files.map((file, index) => {
      const field = `files[${index}]`;
      const problem = fileNameProblem(file.name);
      if (problem) {
        throw new RequestError(400, 'invalid_file_name', `${field}.name ${problem}`);
      }
      if (seen.has(file.name)) {
        throw new RequestError(400, 'duplicate_file_name', `${field}.name repeats ${file.name}`);
      }
      seen.add(file.name);
      if (folders.has(file.name)) {
        throw new RequestError(
          400,
          'invalid_file_name',
          `${field}.name ${file.name} is also the folder of another input file`,
        );
      }

      const content = decodeContent(file.content, file.encoding ?? 'utf-8', field);
      totalBytes += content.length;
      if (totalBytes > this.limits.maxInputBytes) {
        throw new RequestError(
          413,
          'input_too_large',
          `files add up to more than MAX_INPUT_BYTES (${this.limits.maxInputBytes}) bytes`,
        );
      }
      return { name: file.name, content };
    });
  }
}

/** Returns "a" and "a/b" for "a/b/c.csv". */
function parentFolders(name: string): string[] {
  const segments = name.split('/');
  return segments.slice(1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

function decodeContent(content: string, encoding: 'utf-8' | 'base64', field: string): Buffer {
  if (encoding === 'utf-8') {
    return Buffer.from(content, 'utf8');
  }
  const compact = content.replace(/\s+/g, '');
  if (!BASE64_PATTERN.test(compact)) {
    throw new RequestError(400, 'invalid_base64', `${field}.content is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

/** Turns an ajv error into a message that names the field in dotted form. */
export function describeAjvError(error: ErrorObject): FieldProblem {
  const field = fieldName(error.instancePath);
  const prefix = field ? `${field}.` : '';
  switch (error.keyword) {
    case 'required': {
      const missing = `${prefix}${(error.params as { missingProperty: string }).missingProperty}`;
      return { field: missing, message: `${missing} is required` };
    }
    case 'additionalProperties': {
      const extra = `${prefix}${(error.params as { additionalProperty: string }).additionalProperty}`;
      return { field: extra, message: `${extra} is not a known field` };
    }
    case 'type':
      return {
        field: field || 'body',
        message: `${field || 'body'} must be ${article((error.params as { type: string }).type)}`,
      };
    case 'enum':
      return {
        field,
        message: `${field} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
      };
    default:
      return {
        field: field || 'body',
        message: `${field || 'body'} ${error.message ?? 'is invalid'}`,
      };
  }
}

function fieldName(instancePath: string): string {
  let name = '';
  for (const pointerPart of instancePath.split('/').slice(1)) {
    const part = pointerPart.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) {
      name += `[${part}]`;
    } else if (name) {
      name += `.${part}`;
    } else {
      name = part;
    }
  }
  return name;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function summarise(problems: FieldProblem[]): string {
  const first = problems[0]?.message ?? 'the request body is invalid';
  return problems.length > 1 ? `${first} (and ${problems.length - 1} more problems)` : first;
}
