#!/usr/bin/env node
// Measures r-runner against plain Docker on this machine, in one run: p50 and p95 latency of
// POST /run for cat(2+2) with cold and with warm containers, of `docker run --rm` of the same
// image, and of `Rscript -e` on the host when R is installed there; then throughput with 1, 4
// and 16 concurrent clients against 16 parallel `docker run` loops. Prints every figure with
// its ratio to plain `docker run` and writes them to bench-results.json.
//
//   node scripts/bench.mjs [--samples 30] [--seconds 20] [--out bench-results.json]
//
// Needs the bundle (npm run build), Docker, the runtime image and the S3_* variables; run it
// through `npm run bench`, which sets those up. It starts its own service processes on free
// loopback ports and stops them at the end.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '30' },
    seconds: { type: 'string', default: '20' },
    out: { type: 'string', default: 'bench-results.json' },
  },
});
const SAMPLES = Number(values.samples);
const THROUGHPUT_SECONDS = Number(values.seconds);
const IMAGE = process.env.RUNNER_SCRIPT_IMAGE ?? 'r-runner/r-base:latest';
const SCRIPT = 'cat(2+2)';
const POOL_SIZE = 4;

function log(message) {
  console.error(`${new Date().toISOString().slice(11, 19)} ${message}`);
}

function percentile(sorted, fraction) {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function summarise(samplesMs) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    p50_ms: percentile(sorted, 0.5),
    p95_ms: percentile(sorted, 0.95),
    samples: sorted.length,
  };
}

async function timed(action) {
  const startedAt = performance.now();
  await action();
  return performance.now() - startedAt;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startService(env) {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, ['dist/server.mjs'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      RUNNER_TOKEN: token,
      RUNNER_INSTANCE_ID: `bench-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      MAX_CONCURRENT_RUNS: '8',
      MAX_QUEUED_RUNS: '64',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const ready = await (await fetch(`${url}/health/ready`)).json();
      const poolReady = !env.RUN_POOL_SIZE || ready.warm_pool?.ready === Number(env.RUN_POOL_SIZE);
      if (ready.status === 'ready' && poolReady) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const post = async () => {
    const response = await fetch(`${url}/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ script: SCRIPT }),
      signal: AbortSignal.timeout(120_000),
    });
    const body = await response.json();
    if (response.status !== 200 || body.stdout !== '4') {
      throw new Error(`run returned ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
    }
  };
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { post, stop };
}

const dockerRun = () =>
  run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'Rscript', '-e', SCRIPT]);

async function latency(name, action, pauseMs = 0) {
  log(`latency: ${name} (${SAMPLES} samples)`);
  for (let i = 0; i < 3; i++) {
    await action();
  }
  const samples = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(await timed(action));
    // Lets the warm pool refill, as it does between requests that are not back to back.
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return summarise(samples);
}

async function throughput(name, clients, action) {
  log(`throughput: ${name} with ${clients} clients for ${THROUGHPUT_SECONDS} s`);
  const deadline = performance.now() + THROUGHPUT_SECONDS * 1000;
  let completed = 0;
  let errors = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        try {
          await action();
          completed++;
        } catch (error) {
          errors++;
          log(`  error: ${error.message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { clients, runs_per_second: completed / seconds, completed, errors };
}

async function hostRscript() {
  try {
    await run('Rscript', ['-e', '1']);
  } catch {
    return undefined;
  }
  return latency('Rscript -e on the host', () => run('Rscript', ['-e', SCRIPT]));
}

const results = {
  machine: { cpus: (await import('node:os')).cpus().length },
  latency: {},
  throughput: {},
};

results.latency.docker_run = await latency('docker run --rm', dockerRun);
results.latency.host_rscript = await hostRscript();

const cold = await startService({ RUN_POOL_SIZE: '0' });
results.latency.cold_run = await latency('POST /run, cold', cold.post);
await cold.stop();

const warm = await startService({ RUN_POOL_SIZE: String(POOL_SIZE) });
results.latency.warm_run = await latency('POST /run, warm', warm.post, 300);
for (const clients of [1, 4, 16]) {
  results.throughput[`warm_${clients}`] = await throughput('POST /run, warm', clients, warm.post);
}
await warm.stop();

results.throughput.docker_run_16 = await throughput('docker run --rm loops', 16, dockerRun);

const base = results.latency.docker_run.p50_ms;
const ratio = (value) => Math.round((value / base) * 100) / 100;
console.log(`\nlatency of ${SCRIPT}, ${SAMPLES} samples each (ratio = p50 / docker run p50)`);
for (const [name, figure] of Object.entries(results.latency)) {
  if (figure) {
    figure.ratio_to_docker_run = ratio(figure.p50_ms);
    console.log(
      `  ${name.padEnd(13)} p50 ${figure.p50_ms.toFixed(0).padStart(5)} ms  p95 ${figure.p95_ms.toFixed(0).padStart(5)} ms  ratio ${figure.ratio_to_docker_run}`,
    );
  } else {
    console.log(`  ${name.padEnd(13)} not measured: Rscript is not installed on the host`);
  }
}
const dockerThroughput = results.throughput.docker_run_16.runs_per_second;
console.log(`\nthroughput over ${THROUGHPUT_SECONDS} s (ratio = runs/s / 16 docker run loops)`);
for (const [name, figure] of Object.entries(results.throughput)) {
  figure.ratio_to_docker_run_16 =
    Math.round((figure.runs_per_second / dockerThroughput) * 100) / 100;
  console.log(
    `  ${name.padEnd(13)} ${figure.runs_per_second.toFixed(2).padStart(6)} runs/s  errors ${figure.errors}  ratio ${figure.ratio_to_docker_run_16}`,
  );
}
writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${values.out}`);
