import type { Response } from 'express';

/**
 * The `context` of the node20 template. Unlike the official one, objects passed to succeed()
 * or fail() are always sent as JSON with their content type, and fail() responds 500 unless a
 * 4xx or 5xx status was set first.
 */
export class FunctionResponseContext {
  private statusCode = 200;
  private headerValues: Record<string, string> = {};

  constructor(private readonly res: Response) {}

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  headers(values: Record<string, string>): this {
    this.headerValues = { ...this.headerValues, ...values };
    return this;
  }

  succeed(value: unknown): void {
    this.send(this.statusCode, value);
  }

  fail(value: unknown): void {
    const status = this.statusCode >= 400 ? this.statusCode : 500;
    const body =
      value instanceof Error
        ? { error: { code: 'function_error', message: value.message } }
        : typeof value === 'string'
          ? { error: { code: 'function_error', message: value } }
          : value;
    this.send(status, body);
  }

  private send(status: number, value: unknown): void {
    this.res.status(status).set(this.headerValues);
    if (Buffer.isBuffer(value) || typeof value === 'string') {
      this.res.send(value);
      return;
    }
    if (!this.res.get('Content-Type')) {
      this.res.type('application/json');
    }
    this.res.send(JSON.stringify(value ?? null));
  }
}
