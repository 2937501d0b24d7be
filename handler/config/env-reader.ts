import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown at start-up when a configuration value is invalid; names the variable. */
export class ConfigError extends Error {}

export type Environment = Record<string, string | undefined>;

/**
 * Typed access to environment variables and OpenFaaS secret files. Each getter's error names
 * the variable and the value it rejected, so a bad deployment fails at start-up.
 */
export class EnvReader {
  constructor(
    private readonly env: Environment,
    private readonly secretsDir: string,
  ) {}

  string(name: string, fallback: string): string {
    const value = this.env[name]?.trim();
    return value ? value : fallback;
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, range: { min: number; max?: number }): number {
    const raw = this.env[name]?.trim();
    if (!raw) {
      return fallback;
    }
    const value = Number(raw);
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(value) || value < range.min || value > max) {
      throw new ConfigError(
        `${name} must be an integer from ${range.min} to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  }

  number(name: string, fallback: number, range: { min: number; max: number }): number {
    const raw = this.env[name]?.trim();
    if (!raw) {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < range.min || value > range.max) {
      throw new ConfigError(
        `${name} must be a number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) {
      return fallback;
    }
    if (['1', 'true', 'yes', 'on'].includes(raw)) {
      return true;
    }
    if (['0', 'false', 'no', 'off'].includes(raw)) {
      return false;
    }
    throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
  }

  /**
   * Reads a secret from `<secretsDir>/<fileName>` (how OpenFaaS mounts secrets), falling back
   * to the environment variable for local runs. The file wins when both exist.
   */
  secret(fileName: string, envName: string): string | undefined {
    try {
      const value = readFileSync(join(this.secretsDir, fileName), 'utf8').trim();
      if (value) {
        return value;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ConfigError(`cannot read secret file ${join(this.secretsDir, fileName)}`, {
          cause: error,
        });
      }
    }
    return this.optionalString(envName);
  }
}
