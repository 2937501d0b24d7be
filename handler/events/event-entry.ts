/** The outcome for one script object of an event or a sweep. */
export type EventStatus = 'ran' | 'replayed' | 'skipped' | 'error';

/** One entry of the response of POST /events/s3 and of the sweep. */
export interface EventEntry {
  bucket: string;
  key: string;
  status: EventStatus;
  /** The reason the object was not run; only for `skipped`. */
  reason?: string;
  result_key?: string;
  /** Presigned download URL of result.json. */
  result_url?: string;
  run_id?: string;
  success?: boolean;
  /** False when the script ran but its result.json could not be stored. */
  result_stored?: boolean;
  error?: { code: string; message: string };
}
