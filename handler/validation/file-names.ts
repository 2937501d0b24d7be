const MAX_SEGMENT_BYTES = 255;
const MAX_DEPTH = 16;

/**
 * Returns why `name` is not a safe relative path inside the workspace, or undefined when it
 * is. Absolute paths, `.` and `..` segments, empty segments, backslashes and control
 * characters are rejected rather than normalised, so the file lands exactly where named.
 */
export function fileNameProblem(name: string): string | undefined {
  if (name.startsWith('/')) {
    return 'must be a relative path';
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f\\]/.test(name)) {
    return 'must not contain control characters or backslashes';
  }
  const segments = name.split('/');
  if (segments.length > MAX_DEPTH) {
    return `must have at most ${MAX_DEPTH} path segments`;
  }
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      return 'must not contain empty, "." or ".." segments';
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      return `must have segments of at most ${MAX_SEGMENT_BYTES} bytes`;
    }
  }
  return undefined;
}
