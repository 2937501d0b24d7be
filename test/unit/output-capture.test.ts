import { describe, expect, it } from 'vitest';
import { OutputCapture, completeUtf8Length } from '../../handler/runner/output-capture.js';

function capture(maxBytes: number, ...chunks: Buffer[]) {
  const sink = new OutputCapture(maxBytes);
  for (const chunk of chunks) {
    sink.write(chunk);
  }
  return sink.result();
}

describe('OutputCapture', () => {
  it('keeps output under the cap as text', () => {
    const result = capture(100, Buffer.from('hello '), Buffer.from('world'));

    expect(result.text).toBe('hello world');
    expect(result.truncated).toBe(false);
    expect(result.totalBytes).toBe(11);
    expect(result.base64).toBeUndefined();
  });

  it('truncates at the cap and counts every byte', () => {
    const result = capture(10, Buffer.alloc(8, 'a'), Buffer.alloc(8, 'b'), Buffer.alloc(8, 'c'));

    expect(result.text).toBe('aaaaaaaabb');
    expect(result.truncated).toBe(true);
    expect(result.totalBytes).toBe(24);
  });

  it('does not cut a multi-byte character in half', () => {
    const result = capture(5, Buffer.from('abcdé'));

    expect(result.text).toBe('abcd');
    expect(result.base64).toBeUndefined();
  });

  it('returns invalid UTF-8 as replacement characters plus base64', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x41]);

    const result = capture(100, bytes);

    expect(result.text).toBe('\uFFFD\uFFFDA');
    expect(result.base64).toBe(bytes.toString('base64'));
  });
});

describe('completeUtf8Length', () => {
  it.each([
    ['ascii', Buffer.from('abc'), 3],
    ['whole two-byte character', Buffer.from('aé'), 3],
    ['half of a two-byte character', Buffer.from('aé').subarray(0, 2), 1],
    ['two thirds of a three-byte character', Buffer.from('a€').subarray(0, 3), 1],
    ['three quarters of a four-byte character', Buffer.from('a😀').subarray(0, 4), 1],
  ])('%s', (_name, bytes, expected) => {
    expect(completeUtf8Length(bytes)).toBe(expected);
  });
});
