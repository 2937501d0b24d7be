#!/usr/bin/env node
// Sends concurrent POST /run requests to a running r-runner, a mix of instant scripts and
// 2-second sleeps, and prints the response to each, then a summary with the function's
// memory before and after. Requests are bounded in number and time; only RUNNER_URL is used.
//
//   node scripts/load.mjs [--requests 40]
//
// Environment: RUNNER_URL (default http://127.0.0.1:8080), RUNNER_TOKEN (default: the token
// that scripts/serve.sh wrote to .local/token), RUNNER_PID (default: .local/server.pid).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '40' } } });
const requestCount = Number(values.requests);
const root = new URL('..', import.meta.url);
const url = (process.env.RUNNER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const token = process.env.RUNNER_TOKEN ?? readLocal('.local/token');
const pid = process.env.RUNNER_PID ?? readLocal('.local/server.pid');
const REQUEST_TIMEOUT_MS = 120_000;

function readLocal(path) {
  try {
    return readFileSync(new URL(path, root), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function residentMiB() {
  if (!pid) {
    return undefined;
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(status)[1]) / 1024);
}

async function send(index) {
  const sleeps = index % 2 === 1;
  const script = sleeps ? `Sys.sleep(2); cat(${index})` : `cat(${index})`;
  const startedAt = Date.now();
  try {
    const response = await fetch(`${url}/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ script }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await response.json();
    const ms = Date.now() - startedAt;
    const correct = response.status !== 200 || body.stdout === String(index);
    return {
      index,
      kind: sleeps ? 'sleep 2 s' : 'instant',
      status: response.status,
      ms,
      detail:
        response.status === 200
          ? `stdout ${JSON.stringify(body.stdout)}`
          : `${body.error?.code} retry-after ${response.headers.get('retry-after')}`,
      correct,
    };
  } catch (error) {
    return {
      index,
      kind: sleeps ? 'sleep 2 s' : 'instant',
      status: 'error',
      ms: Date.now() - startedAt,
      detail: error.message,
      correct: false,
    };
  }
}

const rssBefore = residentMiB();
const startedAt = Date.now();
const results = await Promise.all(Array.from({ length: requestCount }, (_, i) => send(i)));
const elapsedMs = Date.now() - startedAt;
const rssAfter = residentMiB();

for (const r of results) {
  console.log(
    `#${String(r.index).padStart(2)} ${r.kind.padEnd(9)} ${String(r.status).padEnd(5)} ${String(r.ms).padStart(6)} ms  ${r.detail}`,
  );
}
const count = (predicate) => results.filter(predicate).length;
console.log('');
console.log(`requests: ${requestCount} in ${elapsedMs} ms`);
console.log(
  `200: ${count((r) => r.status === 200)}, 429: ${count((r) => r.status === 429)}, 5xx: ${count((r) => typeof r.status === 'number' && r.status >= 500)}, other: ${count((r) => ![200, 429].includes(r.status) && !(r.status >= 500))}`,
);
console.log(`wrong stdout: ${count((r) => !r.correct)}`);
if (rssBefore !== undefined) {
  console.log(`function resident memory: ${rssBefore} MiB before, ${rssAfter} MiB after`);
}
process.exit(count((r) => !r.correct || r.status === 'error' || r.status >= 500) === 0 ? 0 : 1);
