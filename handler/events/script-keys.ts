/** Name of the file with the /run result of a script, under the script's results prefix. */
export const RESULT_FILE_NAME = 'result.json';

const SCRIPT_SUFFIX = '.R';

/** True when `key` is a script the service runs: under the input prefix and ending in `.R`. */
export function isScriptKey(key: string, inputPrefix: string): boolean {
  return (
    key.startsWith(inputPrefix) &&
    key.endsWith(SCRIPT_SUFFIX) &&
    key.length > inputPrefix.length + SCRIPT_SUFFIX.length
  );
}

/**
 * Derives where the results of a script go: `jobs/sub dir/b é.R` becomes
 * `results/sub dir/b é/` with the default prefixes. Only valid for keys that pass isScriptKey.
 */
export function resultsPrefixFor(key: string, inputPrefix: string, resultsPrefix: string): string {
  const name = key.slice(inputPrefix.length, key.length - SCRIPT_SUFFIX.length);
  return `${resultsPrefix}${name}/`;
}

/** Returns the key of result.json for a script key. */
export function resultKeyFor(key: string, inputPrefix: string, resultsPrefix: string): string {
  return `${resultsPrefixFor(key, inputPrefix, resultsPrefix)}${RESULT_FILE_NAME}`;
}
