import type { ContainerCreateOptions } from 'dockerode';
import type { RunLimits } from '../config/config.js';
import {
  LABEL_CREATED_AT,
  LABEL_INSTANCE,
  LABEL_OWNER,
  LABEL_RUN_ID,
  OWNER_VALUE,
} from './labels.js';

/** The user that PID 1 (tini and sleep) and the collect helper run as. */
export const KEEPER_GID = 10000;
export const KEEPER_USER = `${KEEPER_GID}:${KEEPER_GID}`;
/** The user that the script and the helper execs run as. */
export const RUNNER_UID = 10001;
export const RUNNER_USER = `${RUNNER_UID}:${RUNNER_UID}`;

/** Helper programs installed in every runtime image by runtime-images/shared/install.sh. */
export const HELPERS = {
  runScript: '/usr/local/lib/r-runner/run-script',
  stopProcesses: '/usr/local/lib/r-runner/stop-processes',
  collect: '/usr/local/lib/r-runner/collect',
} as const;

export const WORKSPACE_DIR = '/workspace';

export interface ContainerIdentity {
  runId: string;
  instanceId: string;
}

/**
 * Builds the create options of a run container: no network, no capabilities, a read-only root
 * file system, size-limited tmpfs mounts for the workspace and /tmp, and hard limits on
 * memory, CPU and processes. Nothing on the host is mounted into it.
 */
export function buildContainerSpec(
  image: string,
  limits: RunLimits,
  identity: ContainerIdentity,
): ContainerCreateOptions {
  const tmpfsOptions = 'rw,nosuid,nodev';

  return {
    Image: image,
    User: KEEPER_USER,
    WorkingDir: WORKSPACE_DIR,
    Cmd: ['/usr/bin/tini', '--', 'sleep', 'infinity'],
    Env: ['LANG=C.UTF-8'],
    Hostname: 'r-runner',
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    Labels: {
      [LABEL_OWNER]: OWNER_VALUE,
      [LABEL_INSTANCE]: identity.instanceId,
      [LABEL_RUN_ID]: identity.runId,
      [LABEL_CREATED_AT]: new Date().toISOString(),
    },
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: limits.memoryBytes,
      // Equal to Memory, so the container gets no swap.
      MemorySwap: limits.memoryBytes,
      NanoCpus: limits.nanoCpus,
      PidsLimit: limits.pidsLimit,
      IpcMode: 'private',
      Tmpfs: {
        // Owned by the script's user. The setgid keeper group lets the collect helper (the
        // keeper user) read what the script writes with the default umask.
        [WORKSPACE_DIR]: `${tmpfsOptions},size=${limits.workspaceBytes},uid=${RUNNER_UID},gid=${KEEPER_GID},mode=2750`,
        '/tmp': `${tmpfsOptions},size=${limits.tmpBytes},mode=1777`,
      },
      Ulimits: [
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
      ],
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}

/** Environment of the exec that runs R. */
export function scriptEnvironment(limits: RunLimits): string[] {
  const env = [
    'HOME=/tmp',
    'LANG=C.UTF-8',
    'TMPDIR=/tmp',
    `R_RUNNER_UID=${RUNNER_UID}`,
    // One BLAS thread per allowed CPU keeps R from oversubscribing the CPU quota.
    `OPENBLAS_NUM_THREADS=${Math.max(1, Math.floor(limits.nanoCpus / 1e9))}`,
    `OMP_NUM_THREADS=${Math.max(1, Math.floor(limits.nanoCpus / 1e9))}`,
  ];
  if (limits.addressSpaceBytes > 0) {
    env.push(`R_RUNNER_ADDRESS_SPACE_KB=${Math.floor(limits.addressSpaceBytes / 1024)}`);
  }
  return env;
}
