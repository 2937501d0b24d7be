import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRemoved, eventually } from '../support/docker.js';
import { startService, type TestService } from '../support/service.js';

const POOL_SIZE = 2;
let cold: TestService;
let warm: TestService;

beforeAll(async () => {
  [cold, warm] = await Promise.all([
    startService({ RUN_POOL_SIZE: '0' }),
    startService({ RUN_POOL_SIZE: String(POOL_SIZE) }),
  ]);
});

afterAll(async () => {
  await Promise.all([cold?.stop(), warm?.stop()]);
});

async function poolIsFull(): Promise<boolean> {
  const ready = await warm.get('/health/ready');
  return ready.body.warm_pool?.ready === POOL_SIZE;
}

/** Scripts whose stdout, stderr and exit code must not depend on the kind of container. */
const corpus: [string, string][] = [
  ['printing', 'cat("a\\n"); print(1:3); 1 + 1; invisible(7); x <- 5; x'],
  ['messages and warnings', 'message("to stderr"); warning("careful"); cat("after\\n")'],
  ['many warnings', 'for (i in 1:12) warning(paste("w", i)); cat("done\\n")'],
  ['top-level error', 'cat("before\\n"); stop("boom"); cat("never\\n")'],
  ['error in a function', 'f <- function(x) g(x); g <- function(x) stop("deep: ", x); f(3)'],
  ['quit with a status', 'cat("bye\\n"); quit(status = 7)'],
  ['quit without saving', 'q("no")'],
  [
    'plot',
    'png("plot.png", width = 200, height = 200); plot(1:10); invisible(dev.off()); cat(file.size("plot.png") > 0)',
  ],
  ['UTF-8', 'cat("résumé ü € 😀\\n"); message("ошибка")'],
  ['command line', 'print(commandArgs()); print(interactive())'],
  ['session state', 'print(search()); cat(getwd(), Sys.getenv("HOME"), "\\n")'],
  ['empty stdin', 'x <- readLines(file("stdin")); cat(length(x), "\\n")'],
  ['syntax error', 'cat("ok\\n")\nx <- (1 + \n'],
  ['long script that quits early', `quit(status = 4)\n${'x <- 1\n'.repeat(20_000)}`],
  ['long script that runs', `${'y <- 1\n'.repeat(20_000)}cat(y, "\\n")`],
];

describe('warm and cold containers', () => {
  it.each(corpus)('give the same result: %s', async (_name, script) => {
    expect(await eventually(poolIsFull, 30_000)).toBe(true);

    const [fromCold, fromWarm] = await Promise.all([
      cold.post('/run', { script }),
      warm.post('/run', { script }),
    ]);

    expect(fromWarm.status).toBe(200);
    expect(fromCold.status).toBe(200);
    expect(fromWarm.body.stdout).toBe(fromCold.body.stdout);
    expect(fromWarm.body.stderr).toBe(fromCold.body.stderr);
    expect(fromWarm.body.exit_code).toBe(fromCold.body.exit_code);
    expect(fromWarm.body.artifacts.map((a: { sha256: string }) => a.sha256)).toEqual(
      fromCold.body.artifacts.map((a: { sha256: string }) => a.sha256),
    );
  });

  it('ran every warm request in a warm container', async () => {
    const finished = () =>
      warm
        .logs()
        .split('\n')
        .filter((line) => line.includes('"run finished"'));

    // Log lines travel through a pipe and may arrive just after the last response.
    expect(await eventually(async () => finished().length === corpus.length, 5_000)).toBe(true);
    expect(finished().every((line) => line.includes('"warm":true'))).toBe(true);
  });

  it('applies the time limit and the cleanup to warm runs', async () => {
    expect(await eventually(poolIsFull, 30_000)).toBe(true);

    const response = await warm.post('/run', {
      script: "cat('started\\n'); system('sleep 1000 &'); repeat {}",
      timeout_seconds: 2,
    });

    expect(response.body.timed_out).toBe(true);
    expect(response.body.stdout).toBe('started\n');
  });

  it('removes the warm containers when the service stops', async () => {
    await warm.stop();

    expect(await allRemoved(warm.instanceId)).toBe(true);
  });
});
