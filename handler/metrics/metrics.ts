import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunResult } from '../runner/run-result.js';

/** Prometheus metrics of the service, on a registry of its own. */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly runs = new Counter({
    name: 'r_runner_runs_total',
    help: 'Finished runs by outcome: success, failure, timeout, oom, runtime_error',
    labelNames: ['outcome', 'container'] as const,
    registers: [this.registry],
  });

  readonly runDuration = new Histogram({
    name: 'r_runner_run_duration_seconds',
    help: 'Time R ran, per run',
    labelNames: ['container'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'r_runner_requests_rejected_total',
    help: 'Requests that got an error response, by status and code',
    labelNames: ['status', 'code'] as const,
    registers: [this.registry],
  });

  readonly artifactBytes = new Counter({
    name: 'r_runner_artifact_bytes_uploaded_total',
    help: 'Bytes of artifacts stored in S3',
    registers: [this.registry],
  });

  readonly queueDepth: Gauge;
  readonly runningRuns: Gauge;
  readonly warmPoolSize: Gauge;

  constructor(read: { queued(): number; running(): number; warmPool(): number }) {
    this.queueDepth = new Gauge({
      name: 'r_runner_queue_depth',
      help: 'Runs waiting for a slot',
      registers: [this.registry],
      collect() {
        this.set(read.queued());
      },
    });
    this.runningRuns = new Gauge({
      name: 'r_runner_runs_in_progress',
      help: 'Runs executing now',
      registers: [this.registry],
      collect() {
        this.set(read.running());
      },
    });
    this.warmPoolSize = new Gauge({
      name: 'r_runner_warm_pool_ready',
      help: 'Warm containers ready for a run',
      registers: [this.registry],
      collect() {
        this.set(read.warmPool());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'r_runner_' });
  }

  /** Counts a finished run by outcome and records its duration and stored bytes. */
  recordRun(result: RunResult, warm: boolean): void {
    const container = warm ? 'warm' : 'cold';
    this.runs.inc({ outcome: runOutcome(result), container });
    this.runDuration.observe({ container }, result.duration_ms / 1000);
    this.artifactBytes.inc(result.artifacts.reduce((sum, a) => sum + a.size_bytes, 0));
  }

  recordRejection(status: number, code: string): void {
    this.rejected.inc({ status: String(status), code });
  }
}

function runOutcome(result: RunResult): string {
  if (result.runtime_stderr !== undefined) {
    return 'runtime_error';
  }
  if (result.timed_out) {
    return 'timeout';
  }
  if (result.oom_killed) {
    return 'oom';
  }
  return result.success ? 'success' : 'failure';
}
