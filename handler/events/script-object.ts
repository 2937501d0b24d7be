/** One version of a script object in a bucket, as an event or a listing names it. */
export interface ScriptObject {
  bucket: string;
  /** The decoded object key. */
  key: string;
  /** The entity tag without the quotes that S3 puts around it in headers and listings. */
  eTag: string;
  versionId?: string;
}

/** Removes the double quotes that S3 puts around an entity tag in headers and listings. */
export function normaliseETag(eTag: string): string {
  return eTag.replace(/^"(.*)"$/, '$1');
}
