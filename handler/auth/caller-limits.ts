import type { RunLimits } from '../config/config.js';
import type { CallerLimits } from './caller.js';

const MIB = 1024 * 1024;
/** The room R gets above its memory limit, as in the default of RUN_ADDRESS_SPACE_MB. */
const ADDRESS_SPACE_HEADROOM_BYTES = 256 * MIB;

/** The JWT claims that lower a caller's limits, with the smallest value each accepts. */
const LIMIT_CLAIMS = [
  { claim: 'max_timeout_seconds', field: 'maxTimeoutSeconds', min: 1 },
  // The same floor as RUN_MEMORY_MB: R does not start reliably with less.
  { claim: 'max_memory_mb', field: 'maxMemoryMb', min: 64 },
  { claim: 'max_artifact_count', field: 'maxArtifactCount', min: 0 },
] as const;

/** Error for a limit claim that is not an integer in range. The message names the claim. */
export class LimitClaimError extends Error {}

/** Reads the limit claims of a verified JWT payload. Throws LimitClaimError for invalid values. */
export function parseLimitClaims(payload: Record<string, unknown>): CallerLimits | undefined {
  const limits: CallerLimits = {};
  for (const { claim, field, min } of LIMIT_CLAIMS) {
    const value = payload[claim];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new LimitClaimError(`the ${claim} claim must be an integer of at least ${min}`);
    }
    limits[field] = value;
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** Returns a copy of the server's limits, each lowered to the caller's limit when that is less. */
export function applyCallerLimits(server: RunLimits, caller: CallerLimits | undefined): RunLimits {
  const limits = { ...server };
  if (!caller) {
    return limits;
  }

  if (caller.maxTimeoutSeconds !== undefined) {
    limits.timeoutSeconds = Math.min(limits.timeoutSeconds, caller.maxTimeoutSeconds);
  }
  if (caller.maxArtifactCount !== undefined) {
    limits.maxArtifactCount = Math.min(limits.maxArtifactCount, caller.maxArtifactCount);
  }
  if (caller.maxMemoryMb !== undefined) {
    limits.memoryBytes = Math.min(limits.memoryBytes, caller.maxMemoryMb * MIB);
    // Lowering the address-space limit with the memory keeps a large allocation failing
    // inside R with an error message, instead of the container being OOM-killed.
    if (limits.addressSpaceBytes !== 0) {
      limits.addressSpaceBytes = Math.min(
        limits.addressSpaceBytes,
        limits.memoryBytes + ADDRESS_SPACE_HEADROOM_BYTES,
      );
    }
  }
  return limits;
}
