import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutputCapture } from '../../handler/runner/output-capture.js';
import { StreamDemuxer } from '../../handler/runner/stream-demuxer.js';

function frame(stream: 1 | 2, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function demux(chunks: Buffer[]) {
  const stdout = new OutputCapture(1024);
  const stderr = new OutputCapture(1024);
  await pipeline(Readable.from(chunks), new StreamDemuxer(stdout, stderr));
  return { stdout: stdout.result().text, stderr: stderr.result().text };
}

describe('StreamDemuxer', () => {
  it('routes frames to stdout and stderr', async () => {
    const output = await demux([frame(1, 'out 1 '), frame(2, 'err'), frame(1, 'out 2')]);

    expect(output.stdout).toBe('out 1 out 2');
    expect(output.stderr).toBe('err');
  });

  it('reassembles frames split at any byte', async () => {
    const whole = Buffer.concat([frame(1, 'hello'), frame(2, 'oops'), frame(1, ' world')]);
    const bytes = [...whole].map((byte) => Buffer.from([byte]));

    const output = await demux(bytes);

    expect(output.stdout).toBe('hello world');
    expect(output.stderr).toBe('oops');
  });

  it('ignores frames of unknown streams', async () => {
    const stdin = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('abc')]);

    const output = await demux([stdin, frame(1, 'ok')]);

    expect(output.stdout).toBe('ok');
  });
});
