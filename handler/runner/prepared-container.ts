import type { RunLimits } from '../config/config.js';
import type { RunContainer, StartedExec } from './docker-runtime.js';
import { OutputCapture } from './output-capture.js';

/** A started run container, ready for one job. */
export interface PreparedContainer {
  container: RunContainer;
  stdout: OutputCapture;
  stderr: OutputCapture;
  /**
   * The run-script exec that a warm container started ahead of the job: R already runs and
   * waits for the job on the exec's stdin. Undefined in a cold container.
   */
  waitingScript?: StartedExec;
}

export function newCaptures(limits: RunLimits): Pick<PreparedContainer, 'stdout' | 'stderr'> {
  return {
    stdout: new OutputCapture(limits.maxOutputBytes),
    stderr: new OutputCapture(limits.maxOutputBytes),
  };
}

/**
 * True when a container made for `prepared` limits enforces exactly `requested`. The time limit
 * is applied per run, so it may differ.
 */
export function sameContainerLimits(prepared: RunLimits, requested: RunLimits): boolean {
  return (
    prepared.memoryBytes === requested.memoryBytes &&
    prepared.addressSpaceBytes === requested.addressSpaceBytes &&
    prepared.nanoCpus === requested.nanoCpus &&
    prepared.pidsLimit === requested.pidsLimit &&
    prepared.workspaceBytes === requested.workspaceBytes &&
    prepared.tmpBytes === requested.tmpBytes &&
    prepared.maxOutputBytes === requested.maxOutputBytes
  );
}
