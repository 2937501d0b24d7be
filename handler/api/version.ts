import manifest from '../../package.json' with { type: 'json' };

/** Version of the service, from package.json; esbuild inlines it into the bundle. */
export const SERVICE_VERSION: string = manifest.version;
