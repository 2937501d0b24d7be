import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { packJob, readWorkspace, sha256Hex } from '../../handler/runner/workspace-archive.js';

type Entry = Parameters<ReturnType<typeof pack>['entry']>[0] & { body?: string };

async function archiveOf(entries: Entry[]): Promise<Readable> {
  const archive = pack();
  for (const { body, ...header } of entries) {
    archive.entry(header, body ?? '');
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) {
    chunks.push(chunk as Buffer);
  }
  return Readable.from([Buffer.concat(chunks)]);
}

const limits = { maxArtifactCount: 2, maxArtifactBytes: 10 };

describe('readWorkspace', () => {
  it('returns regular files with their digest and skips directories', async () => {
    const archive = await archiveOf([
      { name: './', type: 'directory' },
      { name: './a/', type: 'directory' },
      { name: './a/b é.txt', body: 'hello' },
    ]);

    const workspace = await readWorkspace(archive, limits, []);

    expect(workspace.files).toEqual([
      { name: 'a/b é.txt', content: Buffer.from('hello'), sha256: sha256Hex(Buffer.from('hello')) },
    ]);
    expect(workspace.skipped).toEqual([]);
  });

  it('lists links, FIFOs, large files and files over the count as skipped', async () => {
    const archive = await archiveOf([
      { name: './big.bin', body: 'x'.repeat(11) },
      { name: './fifo', type: 'fifo' },
      { name: './one.txt', body: '1' },
      { name: './p.txt', type: 'symlink', linkname: '/etc/passwd' },
      { name: './three.txt', body: '3' },
      { name: './two.txt', body: '2' },
    ]);

    const workspace = await readWorkspace(archive, limits, []);

    expect(workspace.files.map((f) => f.name)).toEqual(['one.txt', 'three.txt']);
    expect(workspace.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['big.bin', 'too_large'],
      ['fifo', 'not_regular_file'],
      ['p.txt', 'symlink'],
      ['two.txt', 'too_many'],
    ]);
  });

  it('leaves out input files the script did not change', async () => {
    const archive = await archiveOf([
      { name: './in.csv', body: 'same' },
      { name: './edited.csv', body: 'new' },
    ]);
    const inputs = [
      { name: 'in.csv', content: Buffer.from('same') },
      { name: 'edited.csv', content: Buffer.from('old') },
    ];

    const workspace = await readWorkspace(archive, limits, inputs);

    expect(workspace.files.map((f) => f.name)).toEqual(['edited.csv']);
  });
});

describe('packJob', () => {
  it('places the script and the input files where the receive helper expects them', async () => {
    const archive = await packJob('cat(1)', [
      { name: 'data/in.csv', content: Buffer.from('v\n1\n') },
    ]);

    const names: string[] = [];
    const { extract } = await import('tar-stream');
    for await (const entry of Readable.from([archive]).pipe(extract())) {
      names.push(entry.header.name);
      entry.resume();
    }

    expect(names).toEqual(['tmp/r-runner/script.R', 'workspace/data/in.csv']);
  });
});
