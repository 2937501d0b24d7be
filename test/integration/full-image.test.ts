import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRemoved } from '../support/docker.js';
import { startService, type TestService } from '../support/service.js';

const FULL_IMAGE = 'r-runner/r-full:latest';
const BASE_IMAGE = 'r-runner/r-base:latest';

function imageExists(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// scripts/test.sh builds only the base image, so these tests run where the full image was built
// by hand, and the suite's name says why they were skipped elsewhere.
const fullImageMissing = !imageExists(FULL_IMAGE);
const SUITE = fullImageMissing
  ? `${FULL_IMAGE} is missing: build it with bash scripts/build-runtime-image.sh full`
  : `runs on ${FULL_IMAGE}`;

const ANALYSIS = `
suppressPackageStartupMessages({
  library(dplyr, warn.conflicts = FALSE)
  library(data.table, warn.conflicts = FALSE)
  library(ggplot2)
  library(lme4)
  library(jsonlite)
})

by_cylinders <- mtcars |> group_by(cyl) |> summarise(cars = n()) |> arrange(cyl)
by_gears <- as.data.table(mtcars)[, .(cars = .N), by = gear][order(gear)]
plot <- ggplot(mtcars, aes(wt, mpg)) + geom_point()
ggsave("plot.png", plot, width = 4, height = 3, dpi = 72)
model <- lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy)

result <- list(
  cylinders = as.list(setNames(by_cylinders$cars, by_cylinders$cyl)),
  gears = as.list(setNames(by_gears$cars, by_gears$gear)),
  days_effect = round(unname(fixef(model)["Days"]), 2)
)
write_json(result, "result.json", auto_unbox = TRUE)
cat(toJSON(result, auto_unbox = TRUE))
`;

/** Width and height from a PNG's IHDR chunk, which always follows the 8-byte signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe.skipIf(fullImageMissing)(SUITE, () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startService({
      RUNNER_SCRIPT_IMAGE: FULL_IMAGE,
      RUNNER_IMAGES: `${FULL_IMAGE},${BASE_IMAGE}`,
      // Loading the tidyverse packages and fitting the model take seconds on a slow machine.
      RUN_TIMEOUT_SECONDS: '120',
    });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('runs dplyr, data.table, ggplot2, lme4 and jsonlite', async () => {
    const response = await service.post('/run', { script: ANALYSIS });

    expect(response.status).toBe(200);
    expect(response.body.stderr).toBe('');
    expect(response.body.exit_code).toBe(0);
    expect(JSON.parse(response.body.stdout)).toEqual({
      cylinders: { '4': 11, '6': 7, '8': 14 },
      gears: { '3': 15, '4': 12, '5': 5 },
      days_effect: 10.47,
    });
    expect(response.body.artifacts.map((a: { name: string }) => a.name)).toEqual([
      'plot.png',
      'result.json',
    ]);
    expect(await allRemoved(service.instanceId)).toBe(true);
  });

  it('stores the ggplot2 plot as a PNG of the requested size', async () => {
    const response = await service.post('/run', { script: ANALYSIS });
    const artifact = response.body.artifacts.find((a: { name: string }) => a.name === 'plot.png');

    const download = await fetch(artifact.url);
    const bytes = Buffer.from(await download.arrayBuffer());

    expect(download.status).toBe(200);
    expect(artifact.content_type).toBe('image/png');
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBe(artifact.size_bytes);
    expect(pngSize(bytes)).toEqual({ width: 288, height: 216 });
  });

  it('lists the analytics packages with versions in /system', async () => {
    const response = await service.get('/system');

    expect(response.status).toBe(200);
    expect(response.body.image).toBe(FULL_IMAGE);
    const versions = new Map(
      response.body.packages.map((p: { name: string; version: string }) => [p.name, p.version]),
    );
    for (const name of [
      'tidyverse',
      'dplyr',
      'tidyr',
      'readr',
      'purrr',
      'tibble',
      'stringr',
      'forcats',
      'ggplot2',
      'data.table',
      'lme4',
      'survival',
      'jsonlite',
      'Matrix',
      'MASS',
      'mgcv',
      'nlme',
    ]) {
      // R versions are integers joined by dots and dashes, such as 7.3-58.2 or 1.1-31.
      expect(versions.get(name), name).toMatch(/^\d+([.-]\d+)+$/);
    }
  });

  it.skipIf(!imageExists(BASE_IMAGE))('lists another allowed image in /system', async () => {
    const response = await service.get(`/system?image=${encodeURIComponent(BASE_IMAGE)}`);

    expect(response.status).toBe(200);
    expect(response.body.image).toBe(BASE_IMAGE);
    const names = response.body.packages.map((p: { name: string }) => p.name);
    expect(names).toContain('stats');
    expect(names).not.toContain('dplyr');
  });

  it('returns 400 unknown_image for an image outside RUNNER_IMAGES', async () => {
    const response = await service.get('/system?image=debian%3Abookworm-slim');

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('unknown_image');
  });
});
