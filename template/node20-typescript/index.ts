// HTTP entry of the node20-typescript OpenFaaS template: an Express server that turns each
// request into the (event, context) pair of the official node20 template and calls the
// function's handler. of-watchdog (http mode) forwards requests to it.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import * as fn from 'function-handler';
import { FunctionResponseContext } from './context.js';

const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

const options = (await fn.init?.()) ?? {};
const bodyLimit = options.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES;
const host = process.env.http_host ?? options.host ?? '127.0.0.1';
const port = Number(process.env.http_port ?? options.port ?? 3000);

const app = express();
app.disable('x-powered-by');
// JSON bodies are parsed for the handler; anything else reaches it as raw bytes. Both obey
// the function's own body limit instead of body-parser's default of 100 kB.
app.use(express.json({ limit: bodyLimit, strict: false, type: isJsonRequest }));
app.use(express.raw({ limit: bodyLimit, type: (req) => !isJsonRequest(req) }));

app.all(/.*/, async (req: Request, res: Response, next: NextFunction) => {
  const context = new FunctionResponseContext(res);
  const event = {
    body: req.body,
    headers: req.headers,
    method: req.method,
    query: req.query as Record<string, unknown>,
    path: req.path,
  };
  try {
    await fn.handle(event, context);
    if (!res.headersSent) {
      context.status(204).succeed('');
    }
  } catch (error) {
    next(error);
  }
});

app.use(sendErrorAsJson);

const server: Server = app.listen(port, host, () => {
  console.log(JSON.stringify({ level: 'info', msg: 'listening', host, port }));
});
// A run may take the whole time limit, so sockets must not time out before the response.
server.requestTimeout = 0;
server.headersTimeout = 60_000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }));
    // Requests in flight finish first; then the function releases what it holds.
    server.close(async () => {
      await fn.shutdown?.();
      process.exit(0);
    });
    server.closeIdleConnections();
  });
}

function isJsonRequest(req: { headers: Record<string, unknown> }): boolean {
  const type = String(req.headers['content-type'] ?? '');
  return /^application\/([\w.+-]*\+)?json\b/i.test(type);
}

/** Body-parser failures and thrown errors become JSON errors with a stable code. */
function sendErrorAsJson(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const { status, code, message } = describeRequestError(error);
  if (status >= 500) {
    console.error(JSON.stringify({ level: 'error', msg: 'handler failed', err: String(error) }));
  }
  res.status(status).json({ error: { code, message } });
}

function describeRequestError(error: unknown): { status: number; code: string; message: string } {
  const type = (error as { type?: string }).type;
  switch (type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        code: 'invalid_json',
        message: `the request body is not valid JSON: ${(error as Error).message}`,
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'body_too_large',
        message: `the request body is over the limit of ${bodyLimit} bytes`,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: (error as Error).message };
    case 'request.aborted':
      return { status: 400, code: 'request_aborted', message: 'the client aborted the request' };
    default: {
      // Other body-parser failures, such as a body that does not match its Content-Encoding,
      // carry a 4xx status of their own: they are the client's mistake.
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return {
          status,
          code: 'invalid_body',
          message: `the request body could not be read: ${(error as Error).message}`,
        };
      }
      return {
        status: 500,
        code: 'internal_error',
        message: 'internal error; the function log has the details',
      };
    }
  }
}
