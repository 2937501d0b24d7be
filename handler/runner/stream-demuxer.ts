import { Writable } from 'node:stream';

const HEADER_BYTES = 8;
const STDOUT_FRAME = 1;
const STDERR_FRAME = 2;

/**
 * Splits the multiplexed stream of a non-TTY Docker attach or exec into stdout and stderr.
 * Unlike docker-modem's demuxStream it waits for a slow target to drain, so the socket is
 * read no faster than the targets consume it. Frame format: one byte stream id, three zero
 * bytes, a big-endian uint32 payload length, then the payload.
 */
export class StreamDemuxer extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.drainFrames().then(() => callback(), callback);
  }

  private async drainFrames(): Promise<void> {
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32BE(4);
      const available = Math.min(length, this.pending.length - HEADER_BYTES);
      if (available === 0 && length > 0) {
        return;
      }

      const target = this.pending[0] === STDERR_FRAME ? this.stderr : this.stdout;
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + available);
      if (this.pending[0] === STDOUT_FRAME || this.pending[0] === STDERR_FRAME) {
        await writeWithBackpressure(target, payload);
      }

      if (available === length) {
        this.pending = this.pending.subarray(HEADER_BYTES + length);
      } else {
        // Keep the header with the length still to come, so the rest of the payload follows.
        const header = Buffer.from(this.pending.subarray(0, HEADER_BYTES));
        header.writeUInt32BE(length - available, 4);
        this.pending = header;
        return;
      }
    }
  }
}

/** Writes and waits for 'drain' when needed; a destroyed target drops the payload. */
function writeWithBackpressure(target: Writable, payload: Buffer): Promise<void> {
  if (target.destroyed || target.writableEnded || target.write(payload)) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}
