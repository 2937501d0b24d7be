import Docker from 'dockerode';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { UnavailableError } from '../errors.js';
import {
  DOCKER_CONFLICT,
  DOCKER_NOT_FOUND,
  DOCKER_NOT_MODIFIED,
  dockerStatusCode,
  isDockerUnreachable,
  runtimeUnavailable,
} from './docker-errors.js';
import { LABEL_OWNER, OWNER_VALUE } from './labels.js';
import { StreamDemuxer } from './stream-demuxer.js';

export interface ExecOptions {
  user: string;
  env?: string[];
  /**
   * Bytes written to the process's stdin, which is then closed; or 'deferred' to keep stdin
   * open until `sendStdin` of startExec is called. Without it stdin is empty.
   */
  stdin?: Buffer | 'deferred';
  stdout: Writable;
  stderr: Writable;
}

/** Exit status of a process ended by SIGKILL, as a shell reports it (128 + 9). */
export const KILLED_EXIT_CODE = 137;

export interface StartedExec {
  exitCode: Promise<number>;
  sendStdin(data: Buffer): void;
}

export interface OwnedContainer {
  id: string;
  labels: Record<string, string>;
  state: string;
}

/** A started run container. Every method is safe to call after the container is gone. */
export interface RunContainer {
  readonly id: string;
  /** Runs a process to completion and returns its exit code. */
  exec(cmd: string[], options: ExecOptions): Promise<number>;
  /**
   * Starts a process and returns once it runs; `exitCode` settles when it ends, as for exec.
   * With `stdin: 'deferred'`, `sendStdin` writes the process's whole stdin and closes it.
   */
  startExec(cmd: string[], options: ExecOptions): Promise<StartedExec>;
  kill(): Promise<void>;
  remove(): Promise<void>;
}

/** The part of the Docker Engine API the runner uses, so tests can substitute it. */
export interface ContainerRuntime {
  ping(): Promise<void>;
  imageId(image: string): Promise<string>;
  readImageFile(image: string, path: string): Promise<Buffer>;
  startContainer(spec: Docker.ContainerCreateOptions): Promise<RunContainer>;
  listOwnedContainers(): Promise<OwnedContainer[]>;
  removeContainer(id: string): Promise<void>;
}

/** ContainerRuntime on dockerode. DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH apply. */
export class DockerRuntime implements ContainerRuntime {
  constructor(private readonly docker = new Docker()) {}

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw runtimeUnavailable('ping the Docker daemon', error);
    }
  }

  async imageId(image: string): Promise<string> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return info.Id;
    } catch (error) {
      throw this.imageError(image, error);
    }
  }

  /** Reads one file out of an image without starting anything: create, copy out, remove. */
  async readImageFile(image: string, path: string): Promise<Buffer> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({ Image: image, Cmd: ['true'] });
    } catch (error) {
      throw this.imageError(image, error);
    }
    try {
      const archive = await container.getArchive({ path });
      return await firstFileOfTar(archive);
    } finally {
      await this.removeContainer(container.id);
    }
  }

  async startContainer(spec: Docker.ContainerCreateOptions): Promise<RunContainer> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(spec);
    } catch (error) {
      throw this.imageError(spec.Image ?? '', error);
    }
    const handle = new DockerRunContainer(this.docker, container);
    try {
      await container.start();
    } catch (error) {
      await handle.remove();
      if (isDockerUnreachable(error)) {
        throw runtimeUnavailable('start the run container', error);
      }
      throw error;
    }
    return handle;
  }

  async listOwnedContainers(): Promise<OwnedContainer[]> {
    try {
      const containers = await this.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_OWNER}=${OWNER_VALUE}`] },
      });
      return containers.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State }));
    } catch (error) {
      throw runtimeUnavailable('list containers', error);
    }
  }

  async removeContainer(id: string): Promise<void> {
    await removeQuietly(this.docker.getContainer(id));
  }

  private imageError(image: string, error: unknown): Error {
    if (isDockerUnreachable(error)) {
      return runtimeUnavailable(`use image ${image}`, error);
    }
    if (dockerStatusCode(error) === DOCKER_NOT_FOUND) {
      return new UnavailableError(
        'runtime_image_missing',
        `The runtime image ${image} is not present on the Docker host; ` +
          'build it with scripts/build-runtime-image.sh or set RUNNER_SCRIPT_IMAGE',
        error,
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

class DockerRunContainer implements RunContainer {
  readonly id: string;

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
  ) {
    this.id = container.id;
  }

  async exec(cmd: string[], options: ExecOptions): Promise<number> {
    const { exitCode } = await this.startExec(cmd, options);
    return exitCode;
  }

  async startExec(cmd: string[], options: ExecOptions): Promise<StartedExec> {
    const unavailable = (error: unknown) => {
      if (isDockerUnreachable(error)) {
        throw runtimeUnavailable(`run ${cmd[0]} in container ${this.id}`, error);
      }
      throw error;
    };
    const { exec, stream } = await this.attachExec(cmd, options).catch(unavailable);
    return {
      exitCode: this.waitForExit(exec, stream, options).catch(unavailable),
      sendStdin: (data) => {
        (stream as NodeJS.WritableStream).end(data);
      },
    };
  }

  private async attachExec(cmd: string[], options: ExecOptions) {
    const withStdin = options.stdin !== undefined;
    const exec = await this.container.exec({
      Cmd: cmd,
      User: options.user,
      Env: options.env,
      AttachStdin: withStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: withStdin });
    if (Buffer.isBuffer(options.stdin)) {
      stream.end(options.stdin);
    }
    return { exec, stream };
  }

  private async waitForExit(
    exec: Docker.Exec,
    stream: NodeJS.ReadableStream,
    options: ExecOptions,
  ): Promise<number> {
    // The stream ends when the process and every holder of its stdout and stderr are gone.
    await pipeline(stream, new StreamDemuxer(options.stdout, options.stderr)).catch(
      () => undefined,
    );

    let info: Docker.ExecInspectInfo;
    try {
      info = await exec.inspect();
    } catch (error) {
      // 404: the exec is gone with its container, which was killed at a deadline.
      if (dockerStatusCode(error) === DOCKER_NOT_FOUND) {
        return KILLED_EXIT_CODE;
      }
      throw error;
    }
    // Docker leaves ExitCode null only when the process was never started.
    return info.ExitCode ?? 126;
  }

  async kill(): Promise<void> {
    try {
      await this.container.kill({ signal: 'SIGKILL' });
    } catch (error) {
      const status = dockerStatusCode(error);
      // 404: already removed. 409: not running. 304: already stopped.
      if (status === DOCKER_NOT_FOUND || status === DOCKER_CONFLICT) {
        return;
      }
      if (status !== DOCKER_NOT_MODIFIED) {
        throw error;
      }
    }
  }

  async remove(): Promise<void> {
    await removeQuietly(this.container);
  }
}

/** Removes a container by force; a container that is already gone counts as removed. */
async function removeQuietly(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    const status = dockerStatusCode(error);
    // 404: already removed. 409: removal already in progress.
    if (status === DOCKER_NOT_FOUND || status === DOCKER_CONFLICT) {
      return;
    }
    if (isDockerUnreachable(error)) {
      throw runtimeUnavailable(`remove container ${container.id}`, error);
    }
    throw error;
  }
}

async function firstFileOfTar(archive: NodeJS.ReadableStream): Promise<Buffer> {
  const parser = extract();
  const chunks: Buffer[] = [];
  let found = false;
  parser.on('entry', (header, body, next) => {
    if (!found && header.type === 'file') {
      found = true;
      body.on('data', (chunk) => chunks.push(chunk as Buffer));
    } else {
      body.resume();
    }
    body.on('end', next);
  });
  archive.pipe(parser);
  await finished(parser);
  if (!found) {
    throw new Error('the archive contains no regular file');
  }
  return Buffer.concat(chunks);
}
