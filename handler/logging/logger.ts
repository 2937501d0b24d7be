import { pino, type Logger } from 'pino';

/** Creates the service's JSON logger. Authorization headers and tokens are never written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'r-runner' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['headers.authorization', 'req.headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
