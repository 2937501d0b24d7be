import type { RunLimits } from '../config/config.js';
import type { StoredArtifact } from '../storage/artifact-store.js';
import type { CapturedOutput } from './output-capture.js';
import type { RunOutcome } from './script-runner.js';
import type { SkippedFile } from './workspace-archive.js';

/** The JSON body of a finished run. */
export interface RunResult {
  run_id: string;
  success: boolean;
  exit_code: number | null;
  timed_out: boolean;
  oom_killed: boolean;
  /** Set when a limit ended the run or the container failed, in words for people. */
  message?: string;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  stdout_bytes: number;
  stderr_bytes: number;
  /** The exact stdout bytes, present only when they are not valid UTF-8. */
  stdout_base64?: string;
  stderr_base64?: string;
  runtime_stderr?: string;
  duration_ms: number;
  limits: {
    timeout_seconds: number;
    memory_bytes: number;
    max_output_bytes: number;
    max_artifact_count: number;
    max_artifact_bytes: number;
  };
  artifacts: StoredArtifact[];
  /** The first MAX_LISTED_SKIPPED files that were not stored, each with the reason. */
  skipped_artifacts: SkippedFile[];
  /** How many files were not stored in all, listed or not. */
  skipped_artifact_count: number;
  artifacts_error?: string;
}

export const MAX_LISTED_SKIPPED = 100;

export function buildRunResult(
  runId: string,
  outcome: RunOutcome,
  stored: StoredArtifact[],
  skipped: SkippedFile[],
  limits: RunLimits,
): RunResult {
  const result: RunResult = {
    run_id: runId,
    success: outcome.exitCode === 0 && !outcome.timedOut && !outcome.oomKilled,
    exit_code: outcome.exitCode,
    timed_out: outcome.timedOut,
    oom_killed: outcome.oomKilled,
    stdout: outcome.stdout.text,
    stderr: outcome.stderr.text,
    stdout_truncated: outcome.stdout.truncated,
    stderr_truncated: outcome.stderr.truncated,
    stdout_bytes: outcome.stdout.totalBytes,
    stderr_bytes: outcome.stderr.totalBytes,
    duration_ms: outcome.durationMs,
    limits: {
      timeout_seconds: limits.timeoutSeconds,
      memory_bytes: limits.memoryBytes,
      max_output_bytes: limits.maxOutputBytes,
      max_artifact_count: limits.maxArtifactCount,
      max_artifact_bytes: limits.maxArtifactBytes,
    },
    artifacts: stored,
    skipped_artifacts: skipped.slice(0, MAX_LISTED_SKIPPED),
    skipped_artifact_count: skipped.length,
  };

  addBase64(result, 'stdout_base64', outcome.stdout);
  addBase64(result, 'stderr_base64', outcome.stderr);
  const message = describeOutcome(outcome, limits);
  if (message) {
    result.message = message;
  }
  if (outcome.runtimeStderr !== undefined) {
    result.runtime_stderr = outcome.runtimeStderr;
  }
  if (outcome.collectError !== undefined) {
    result.artifacts_error = `the workspace could not be read back completely: ${outcome.collectError}`;
  }
  return result;
}

function addBase64(
  result: RunResult,
  key: 'stdout_base64' | 'stderr_base64',
  output: CapturedOutput,
): void {
  if (output.base64 !== undefined) {
    result[key] = output.base64;
  }
}

function describeOutcome(outcome: RunOutcome, limits: RunLimits): string | undefined {
  const parts: string[] = [];
  if (outcome.runtimeStderr !== undefined) {
    parts.push('The container failed before the script started; see runtime_stderr.');
  }
  if (outcome.timedOut) {
    parts.push(`The script was stopped at the time limit of ${limits.timeoutSeconds} s.`);
  }
  if (outcome.oomKilled) {
    parts.push(
      `A process of the script was killed because the run exceeded its memory limit of ${formatMiB(limits.memoryBytes)} (out of memory).`,
    );
  }
  if (outcome.stdout.truncated || outcome.stderr.truncated) {
    parts.push(`Output beyond ${limits.maxOutputBytes} bytes per stream was truncated.`);
  }
  return parts.length ? parts.join(' ') : undefined;
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}
