import { RequestError } from '../errors.js';
import type { ContainerRuntime } from './docker-runtime.js';

/** Written into every runtime image at build time by runtime-images/shared/inventory.R. */
export const INVENTORY_PATH = '/usr/local/share/r-runner/inventory.json';

export interface RPackage {
  name: string;
  version: string;
  priority: string;
  library: string;
}

export interface SystemInfo {
  image: string;
  image_id: string;
  r_version: string;
  platform: string;
  packages: RPackage[];
}

/**
 * The R version and packages of runtime images, read from each image once per image id. Only
 * the configured image and the images of the allow-list are read, so callers cannot make the
 * service create containers of arbitrary images.
 */
export class SystemInfoReader {
  /** Keyed by image name and id, because two names of one image report different names. */
  private readonly cache = new Map<string, SystemInfo>();
  private readonly allowedImages: ReadonlySet<string>;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly image: string,
    allowedImages: readonly string[] = [],
  ) {
    this.allowedImages = new Set([image, ...allowedImages]);
  }

  /**
   * Reads the inventory of `image`, by default the configured one. Throws a RequestError
   * (400 `unknown_image`) for an image outside the allow-list.
   */
  async read(image = this.image): Promise<SystemInfo> {
    if (!this.allowedImages.has(image)) {
      throw new RequestError(
        400,
        'unknown_image',
        `image ${JSON.stringify(image)} is not listed in RUNNER_IMAGES. Allowed images: ${[...this.allowedImages].join(', ')}`,
      );
    }
    const imageId = await this.runtime.imageId(image);
    const key = `${image}\n${imageId}`;
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }

    const inventory = JSON.parse(
      (await this.runtime.readImageFile(image, INVENTORY_PATH)).toString('utf8'),
    ) as {
      r_version: string;
      platform: string;
      packages: RPackage[];
    };
    const info: SystemInfo = {
      image,
      image_id: imageId,
      r_version: inventory.r_version,
      platform: inventory.platform,
      packages: [...inventory.packages].sort((a, b) => a.name.localeCompare(b.name)),
    };
    this.cache.set(key, info);
    return info;
  }
}
