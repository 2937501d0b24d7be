import type { IncomingHttpHeaders } from 'node:http';

/** The request as the OpenFaaS node20 template hands it to a handler. */
export interface FunctionEvent {
  body: unknown;
  headers: IncomingHttpHeaders;
  method: string;
  query: Record<string, unknown>;
  path: string;
}

/** The response builder of the OpenFaaS node20 template. */
export interface FunctionContext {
  status(code: number): FunctionContext;
  headers(values: Record<string, string>): FunctionContext;
  succeed(value: unknown): void;
  fail(value: unknown): void;
}

export interface FunctionResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
