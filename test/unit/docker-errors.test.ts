import { describe, expect, it } from 'vitest';
import { isDockerUnreachable } from '../../handler/runner/docker-errors.js';

function withCode(code: string): Error {
  return Object.assign(new Error(code), { code });
}

function withStatus(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

describe('isDockerUnreachable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a missing socket', withCode('ENOENT')],
    ['a rejected client certificate', withCode('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')],
    ['a server certificate from another CA', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE')],
    ['a self-signed server certificate', withCode('DEPTH_ZERO_SELF_SIGNED_CERT')],
    ['a server certificate for another host', withCode('ERR_TLS_CERT_ALTNAME_INVALID')],
    [
      'plain HTTP sent to a TLS port',
      withStatus(
        400,
        '(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server.\n',
      ),
    ],
  ])('is true for %s', (_, error) => {
    expect(isDockerUnreachable(error)).toBe(true);
  });

  it.each([
    ['an image that is not found', withStatus(404, 'No such image: r-runner/r-base:latest')],
    ['another bad request', withStatus(400, 'invalid reference format')],
    ['a conflict', withStatus(409, 'container is not running')],
    ['an unrelated error code', withCode('ERR_INVALID_ARG_TYPE')],
    ['a value that is not an error', 'failed'],
  ])('is false for %s', (_, error) => {
    expect(isDockerUnreachable(error)).toBe(false);
  });
});
