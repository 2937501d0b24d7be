import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';

/** An input file, already validated and decoded. */
export interface InputFile {
  name: string;
  content: Buffer;
}

/** A file the script left in its workspace that will be stored as an artifact. */
export interface WorkspaceFile {
  name: string;
  content: Buffer;
  sha256: string;
}

export type SkipReason =
  'too_large' | 'too_many' | 'symlink' | 'not_regular_file' | 'invalid_name' | 'not_stored';

export interface SkippedFile {
  name: string;
  reason: SkipReason;
  message: string;
  size_bytes?: number;
}

export interface CollectLimits {
  maxArtifactCount: number;
  maxArtifactBytes: number;
}

export interface CollectedWorkspace {
  files: WorkspaceFile[];
  skipped: SkippedFile[];
}

/** Path of the script inside the container, read by the run-script helper. */
const SCRIPT_ENTRY = 'tmp/r-runner/script.R';
const WORKSPACE_ENTRY = 'workspace/';

/** Packs the script and the input files as the job that run-script unpacks from its stdin. */
export async function packJob(script: string, files: InputFile[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });

  archive.entry({ name: SCRIPT_ENTRY, mode: 0o644 }, Buffer.from(script, 'utf8'));
  for (const file of files) {
    archive.entry({ name: WORKSPACE_ENTRY + file.name, mode: 0o644 }, file.content);
  }
  archive.finalize();

  await done;
  return Buffer.concat(chunks);
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Reads the workspace archive written by the collect helper. Only regular files become
 * artifacts, within the count and size caps; everything else is listed as skipped with the
 * reason. Input files that the script left unchanged are not artifacts.
 */
export async function readWorkspace(
  archive: Readable,
  limits: CollectLimits,
  inputs: InputFile[],
): Promise<CollectedWorkspace> {
  const inputDigests = new Map(inputs.map((file) => [file.name, sha256Hex(file.content)]));
  const files: WorkspaceFile[] = [];
  const skipped: SkippedFile[] = [];

  for await (const entry of archive.pipe(extract())) {
    const { header } = entry;
    const name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    const size = header.size ?? 0;

    if (header.type === 'directory' || name === '' || name === '.') {
      entry.resume();
      continue;
    }
    // The collect helper only writes names below /workspace; anything else is not trusted.
    if (name.startsWith('/') || name.split('/').includes('..')) {
      skipped.push({ name, reason: 'invalid_name', message: 'the name leaves the workspace' });
      entry.resume();
      continue;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      skipped.push(describeSpecialFile(name, header.type, header.linkname));
      entry.resume();
      continue;
    }
    if (size > limits.maxArtifactBytes) {
      skipped.push({
        name,
        reason: 'too_large',
        size_bytes: size,
        message: `${size} bytes is over MAX_ARTIFACT_BYTES (${limits.maxArtifactBytes})`,
      });
      entry.resume();
      continue;
    }

    const content = await readEntry(entry);
    const sha256 = sha256Hex(content);
    if (inputDigests.get(name) === sha256) {
      continue;
    }
    if (files.length >= limits.maxArtifactCount) {
      skipped.push({
        name,
        reason: 'too_many',
        size_bytes: size,
        message: `the run already has MAX_ARTIFACT_COUNT (${limits.maxArtifactCount}) artifacts`,
      });
      continue;
    }
    files.push({ name, content, sha256 });
  }

  return { files, skipped };
}

function describeSpecialFile(
  name: string,
  type: string | null | undefined,
  target?: string | null,
): SkippedFile {
  if (type === 'symlink') {
    return {
      name,
      reason: 'symlink',
      message: `symbolic link to ${target ?? 'an unknown target'}; links are not followed`,
    };
  }
  return {
    name,
    reason: 'not_regular_file',
    message: `${type ?? 'unknown'} entry; only regular files are stored`,
  };
}

async function readEntry(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
