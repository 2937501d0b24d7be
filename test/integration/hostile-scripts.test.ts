import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRemoved } from '../support/docker.js';
import { residentBytes, startService, type TestService } from '../support/service.js';

const MAX_OUTPUT_BYTES = 100_000;
const MAX_ARTIFACT_BYTES = 1_000_000;
const PIDS_LIMIT = 64;
const WORKSPACE_MB = 32;

let service: TestService;

beforeAll(async () => {
  service = await startService({
    RUN_TIMEOUT_SECONDS: '8',
    RUN_MEMORY_MB: '256',
    RUN_PIDS_LIMIT: String(PIDS_LIMIT),
    RUN_WORKSPACE_MB: String(WORKSPACE_MB),
    MAX_OUTPUT_BYTES: String(MAX_OUTPUT_BYTES),
    MAX_ARTIFACT_BYTES: String(MAX_ARTIFACT_BYTES),
    MAX_ARTIFACT_COUNT: '10',
  });
});

afterAll(async () => {
  await service?.stop();
});

function run(script: string, timeoutSeconds?: number) {
  return service.post('/run', { script, timeout_seconds: timeoutSeconds });
}

async function expectNextRunWorks() {
  const next = await run('cat(2+2)');
  expect(next.body.stdout).toBe('4');
  expect(next.body.success).toBe(true);
}

describe('time limit', () => {
  it('stops an endless loop and keeps its partial output', async () => {
    const startedAt = Date.now();

    const response = await run("cat('started\\n'); repeat {}", 3);

    expect(response.status).toBe(200);
    expect(response.body.timed_out).toBe(true);
    expect(response.body.success).toBe(false);
    expect(response.body.stdout).toBe('started\n');
    expect(response.body.message).toContain('time limit of 3 s');
    expect(Date.now() - startedAt).toBeLessThan(6_000);
    expect(await allRemoved(service.instanceId, 2_000)).toBe(true);
  });

  it('keeps files written before the time limit', async () => {
    const response = await run("writeLines('partial', 'progress.txt'); Sys.sleep(60)", 2);

    expect(response.body.timed_out).toBe(true);
    expect(response.body.artifacts.map((a: { name: string }) => a.name)).toEqual(['progress.txt']);
  });
});

describe('process limit', () => {
  it('contains a shell fork bomb', async () => {
    const script = [
      `system("bash -c ':(){ :|:& };:'")`,
      'Sys.sleep(2)',
      "cat('processes', length(dir('/proc', pattern = '^[0-9]+$')), '\\n')",
    ].join('\n');

    const response = await run(script, 6);

    expect(response.status).toBe(200);
    const count = Number(/processes (\d+)/.exec(response.body.stdout)?.[1]);
    expect(count).toBeLessThanOrEqual(PIDS_LIMIT);
    expect(response.body.stderr).toContain('Resource temporarily unavailable');
    await expectNextRunWorks();
  });

  it('ends a run that asks mclapply for 5000 workers', async () => {
    const script = 'parallel::mclapply(1:5000, function(i) Sys.sleep(30), mc.cores = 5000)';

    const response = await run(script, 5);

    expect(response.status).toBe(200);
    expect(response.body.success).toBe(false);
    expect(response.body.duration_ms).toBeLessThan(8_000);
    await expectNextRunWorks();
  });
});

describe('memory limit', () => {
  it('reports a script killed for memory in plain words', async () => {
    const response = await run('x <- list(); repeat x[[length(x) + 1]] <- numeric(1e7)', 8);

    expect(response.status).toBe(200);
    expect(response.body.success).toBe(false);
    expect(response.body.oom_killed).toBe(true);
    expect(response.body.exit_code).toBe(137);
    expect(response.body.message).toContain('memory limit of 256 MiB');
  });

  it('fails one huge allocation with R’s own error', async () => {
    const response = await run("writeBin(raw(2e9), 'big.bin')");

    expect(response.body.success).toBe(false);
    expect(response.body.exit_code).toBe(1);
    expect(response.body.oom_killed).toBe(false);
    expect(response.body.stderr).toContain('cannot allocate vector of size 1.9 Gb');
  });
});

describe('output limit', () => {
  it('caps a flood of stdout without buffering it', async () => {
    const rssBefore = await residentBytes(service.pid);

    const response = await run("repeat cat(strrep('x', 1e6))", 4);

    const rssAfter = await residentBytes(service.pid);
    expect(response.status).toBe(200);
    expect(response.body.stdout_truncated).toBe(true);
    expect(response.body.stdout.length).toBe(MAX_OUTPUT_BYTES);
    expect(response.body.stdout_bytes).toBeGreaterThan(50 * MAX_OUTPUT_BYTES);
    expect(response.body.message).toContain('truncated');
    // The script printed far more than this; the function kept only the cap.
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('returns bytes that are not UTF-8 as replacement characters and base64', async () => {
    const response = await run(
      'cat(rawToChar(as.raw(c(0xff, 0xfe, 0x41)))); message(rawToChar(as.raw(c(0x80, 0x42))))',
    );

    expect(response.status).toBe(200);
    expect(response.body.stdout).toBe('\uFFFD\uFFFDA');
    expect(Buffer.from(response.body.stdout_base64, 'base64')).toEqual(
      Buffer.from([0xff, 0xfe, 0x41]),
    );
    expect(Buffer.from(response.body.stderr_base64, 'base64')).toEqual(
      Buffer.from([0x80, 0x42, 0x0a]),
    );
  });
});

describe('workspace limit', () => {
  it('stops writes at the workspace size', async () => {
    const script = [
      "con <- file('big.bin', 'wb')",
      'for (i in 1:10) writeBin(raw(1e7), con)',
      'close(con)',
      "cat(file.size('big.bin'))",
    ].join('\n');

    const response = await run(script);

    expect(response.status).toBe(200);
    expect(Number(response.body.stdout)).toBeLessThanOrEqual(WORKSPACE_MB * 1024 * 1024);
    expect(response.body.skipped_artifacts).toEqual([
      expect.objectContaining({ name: 'big.bin', reason: 'too_large' }),
    ]);
  });
});

describe('workspace contents', () => {
  it('never uploads what a link or FIFO points at', async () => {
    const script = [
      "file.symlink('/etc/passwd', 'p.txt')",
      "print(file.link('/etc/passwd', 'hard.txt'))",
      "system('mkfifo pipe')",
      "writeLines('ok', 'real.txt')",
    ].join('\n');

    const response = await run(script);

    expect(response.status).toBe(200);
    expect(response.text).not.toContain('root:x:0:0');
    expect(response.body.artifacts.map((a: { name: string }) => a.name)).toEqual(['real.txt']);
    expect(response.body.stderr).toContain('Invalid cross-device link');
    const skipped = response.body.skipped_artifacts.map((s: { name: string; reason: string }) => [
      s.name,
      s.reason,
    ]);
    expect(skipped).toEqual([
      ['p.txt', 'symlink'],
      ['pipe', 'not_regular_file'],
    ]);
  });

  it('holds the artifact caps for 5000 files and lists what it skipped', async () => {
    const script = [
      "dir.create('many')",
      "for (i in 1:5000) writeLines('x', sprintf('many/f%04d.txt', i))",
      `writeBin(raw(${MAX_ARTIFACT_BYTES + 1}), 'huge.bin')`,
    ].join('\n');

    const response = await run(script, 8);

    expect(response.status).toBe(200);
    expect(response.body.artifacts).toHaveLength(10);
    expect(response.body.artifacts[0].name).toBe('many/f0001.txt');
    expect(response.body.skipped_artifact_count).toBe(4991);
    expect(response.body.skipped_artifacts).toHaveLength(100);
    expect(response.body.skipped_artifacts[0]).toMatchObject({
      name: 'huge.bin',
      reason: 'too_large',
    });
    expect(response.body.skipped_artifacts[1]).toMatchObject({
      name: 'many/f0011.txt',
      reason: 'too_many',
    });
  });

  it('keeps names with spaces, accents and sub-folders', async () => {
    const response = await run(
      "dir.create('a/b', recursive = TRUE); writeLines('x', 'a/b/résumé 1.txt')",
    );

    expect(response.body.artifacts.map((a: { name: string }) => a.name)).toEqual([
      'a/b/résumé 1.txt',
    ]);
    const download = await fetch(response.body.artifacts[0].url);
    expect(await download.text()).toBe('x\n');
  });
});

describe('processes that fight the clean-up', () => {
  it('cannot hang its run by killing run-script and stopping the helpers', async () => {
    const script = String.raw`
writeLines('kept', 'kept.txt')
status <- readLines('/proc/self/status')
parent <- as.integer(sub('PPid:\s*', '', grep('^PPid:', status, value = TRUE)))
writeLines(c(
  'kill -KILL $1',
  'n=0',
  'while [ $n -lt 100000 ]; do n=$((n+1)); kill -STOP -1 2>/dev/null; done'
), '/tmp/stopper.sh')
system(sprintf('setsid sh /tmp/stopper.sh %d </dev/null >/dev/null 2>&1 &', parent))
Sys.sleep(3)
`;
    const startedAt = Date.now();

    const response = await run(script, 6);

    expect(response.status).toBe(200);
    expect(response.body.success).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(response.body.artifacts.map((a: { name: string }) => a.name)).toEqual(['kept.txt']);
    expect(await allRemoved(service.instanceId, 5_000)).toBe(true);
    await expectNextRunWorks();
  });
});

describe('exit and leftovers', () => {
  it('returns the status given to quit()', async () => {
    const response = await run('quit(status = 3)');

    expect(response.body.exit_code).toBe(3);
    expect(response.body.success).toBe(false);
  });

  it('gives the script an empty stdin', async () => {
    const response = await run("x <- readLines(file('stdin')); cat(length(x))");

    expect(response.body.stdout).toBe('0');
    expect(response.body.duration_ms).toBeLessThan(5_000);
  });

  it('does not wait for background processes the script left', async () => {
    const response = await run("system('sleep 1000 &'); cat('bye')");

    expect(response.body.stdout).toBe('bye');
    expect(response.body.timed_out).toBe(false);
    expect(response.body.duration_ms).toBeLessThan(5_000);
    expect(await allRemoved(service.instanceId)).toBe(true);
  });
});
