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

/** The R version and packages of the runtime image, read from the image once per image id. */
export class SystemInfoReader {
  private readonly cache = new Map<string, SystemInfo>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly image: string,
  ) {}

  async read(): Promise<SystemInfo> {
    const imageId = await this.runtime.imageId(this.image);
    const cached = this.cache.get(imageId);
    if (cached) {
      return cached;
    }

    const inventory = JSON.parse(
      (await this.runtime.readImageFile(this.image, INVENTORY_PATH)).toString('utf8'),
    ) as {
      r_version: string;
      platform: string;
      packages: RPackage[];
    };
    const info: SystemInfo = {
      image: this.image,
      image_id: imageId,
      r_version: inventory.r_version,
      platform: inventory.platform,
      packages: [...inventory.packages].sort((a, b) => a.name.localeCompare(b.name)),
    };
    this.cache.set(imageId, info);
    return info;
  }
}
