import { Writable } from 'node:stream';

/** Output of a run on one stream, as returned to the caller. */
export interface CapturedOutput {
  /** UTF-8 text; byte sequences that are not valid UTF-8 show as U+FFFD. */
  text: string;
  /** The exact captured bytes, present only when they are not valid UTF-8. */
  base64?: string;
  truncated: boolean;
  /** Every byte the stream carried, including those past the cap. */
  totalBytes: number;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

/**
 * A writable sink that keeps the first `maxBytes` bytes of a stream and only counts the rest,
 * so a script that floods its output costs the service a bounded amount of memory.
 */
export class OutputCapture extends Writable {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private seenBytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.seenBytes += chunk.length;
    const room = this.maxBytes - this.keptBytes;
    if (room > 0) {
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(Buffer.from(kept));
      this.keptBytes += kept.length;
    }
    callback();
  }

  /** Writes text that the service itself adds, such as an error line. */
  note(text: string): void {
    this.write(Buffer.from(text, 'utf8'));
  }

  result(): CapturedOutput {
    const truncated = this.seenBytes > this.keptBytes;
    let bytes = Buffer.concat(this.chunks, this.keptBytes);
    if (truncated) {
      bytes = bytes.subarray(0, completeUtf8Length(bytes));
    }

    const output: CapturedOutput = {
      text: lenientDecoder.decode(bytes),
      truncated,
      totalBytes: this.seenBytes,
    };
    if (!isValidUtf8(bytes)) {
      output.base64 = bytes.toString('base64');
    }
    return output;
  }
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the length of `bytes` without a multi-byte UTF-8 character that the cap cut in
 * half, so truncation alone never makes valid output look invalid.
 */
export function completeUtf8Length(bytes: Buffer): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) !== 0x80) {
      return utf8SequenceLength(byte) > back ? end - back : end;
    }
  }
  return end;
}

/** Returns the byte count of the UTF-8 sequence that `leadByte` starts. */
function utf8SequenceLength(leadByte: number): number {
  if (leadByte >= 0xf0) {
    return 4;
  }
  if (leadByte >= 0xe0) {
    return 3;
  }
  if (leadByte >= 0xc0) {
    return 2;
  }
  return 1;
}
