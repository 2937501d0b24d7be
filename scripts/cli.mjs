#!/usr/bin/env node
// Command-line client of r-runner.
//
//   r-runner run SCRIPT.R [--file PATH]... [--out DIR] [--timeout SECONDS]
//   r-runner system
//
// Options --url and --token, or the variables RUNNER_URL (default http://127.0.0.1:8080) and
// RUNNER_TOKEN. `run` prints the script's stdout and stderr byte for byte, downloads its
// artifacts into --out, and exits with the script's exit code (1 when R never started or was
// stopped without one). Problems of the client or the service exit with 2.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';

const USAGE = `usage: r-runner run SCRIPT.R [--file PATH]... [--out DIR] [--timeout SECONDS]
       r-runner system
options: --url URL (RUNNER_URL), --token TOKEN (RUNNER_TOKEN)`;

class UsageError extends Error {}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      timeout: { type: 'string' },
      url: { type: 'string', default: process.env.RUNNER_URL ?? 'http://127.0.0.1:8080' },
      token: { type: 'string', default: process.env.RUNNER_TOKEN },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { options: values, command: positionals[0], args: positionals.slice(1) };
}

async function request(options, method, path, body) {
  if (!options.token) {
    throw new UsageError('no token: pass --token or set RUNNER_TOKEN');
  }
  const response = await fetch(new URL(path, options.url.replace(/\/?$/, '/')), {
    method,
    headers: {
      authorization: `Bearer ${options.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path} returned ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = json.error ?? {};
    throw new Error(
      `${method} ${path} failed with ${response.status} ${error.code}: ${error.message}`,
    );
  }
  return json;
}

async function inputFiles(paths) {
  return Promise.all(
    paths.map(async (path) => ({
      name: basename(path),
      content: (await readFile(path)).toString('base64'),
      encoding: 'base64',
    })),
  );
}

/** Writes a stream's exact bytes when the service returned them, else its text. */
function writeOutput(stream, text, base64) {
  if (base64 !== undefined) {
    stream.write(Buffer.from(base64, 'base64'));
  } else if (text) {
    stream.write(text);
  }
}

function safeTarget(outDir, name) {
  const root = resolve(outDir);
  const target = resolve(root, name);
  if (!target.startsWith(root + sep)) {
    throw new Error(`artifact name ${JSON.stringify(name)} points outside ${outDir}`);
  }
  return target;
}

async function download(artifacts, outDir) {
  const totalBytes = artifacts.reduce((sum, artifact) => sum + artifact.size_bytes, 0);
  const bar = new cliProgress.SingleBar(
    {
      format: 'downloading {bar} {percentage}% | {value}/{total} bytes | {file}',
      stream: process.stderr,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const showBar = process.stderr.isTTY;
  if (showBar) {
    bar.start(totalBytes, 0, { file: '' });
  }
  let doneBytes = 0;
  for (const artifact of artifacts) {
    const target = safeTarget(outDir, artifact.name);
    const response = await fetch(artifact.url);
    if (!response.ok) {
      throw new Error(`download of ${artifact.name} failed with ${response.status}`);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    doneBytes += artifact.size_bytes;
    if (showBar) {
      bar.update(doneBytes, { file: artifact.name });
    } else {
      process.stderr.write(`downloaded ${join(outDir, artifact.name)} (${bytes.length} bytes)\n`);
    }
  }
  if (showBar) {
    bar.stop();
  }
}

async function runCommand(options, args) {
  if (args.length !== 1) {
    throw new UsageError('run needs exactly one script file');
  }
  const body = {
    script: await readFile(args[0], 'utf8'),
    files: await inputFiles(options.file),
  };
  if (options.timeout !== undefined) {
    body.timeout_seconds = Number(options.timeout);
  }

  const result = await request(options, 'POST', 'run', body);
  writeOutput(process.stdout, result.stdout, result.stdout_base64);
  writeOutput(process.stderr, result.stderr, result.stderr_base64);
  if (result.runtime_stderr) {
    process.stderr.write(result.runtime_stderr);
  }
  if (result.message) {
    process.stderr.write(`r-runner: ${result.message}\n`);
  }
  for (const skipped of result.skipped_artifacts) {
    process.stderr.write(`r-runner: not stored: ${skipped.name}: ${skipped.message}\n`);
  }
  if (options.out && result.artifacts.length > 0) {
    await download(result.artifacts, options.out);
  }
  return result.exit_code ?? 1;
}

async function systemCommand(options) {
  const info = await request(options, 'GET', 'system');
  process.stdout.write(`R ${info.r_version} (${info.platform}) in ${info.image}\n`);
  for (const pkg of info.packages) {
    process.stdout.write(`${pkg.name.padEnd(24)} ${pkg.version}\n`);
  }
  return 0;
}

async function main() {
  const { options, command, args } = parse(process.argv.slice(2));
  if (options.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return options.help ? 0 : 2;
  }
  switch (command) {
    case 'run':
      return runCommand(options, args);
    case 'system':
      return systemCommand(options);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`r-runner: ${error.message}\n`);
    if (error instanceof UsageError || error.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`${USAGE}\n`);
    }
    process.exit(2);
  },
);
