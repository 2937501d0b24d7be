/** Labels put on every container this service creates, so leftovers can always be found. */
export const LABEL_OWNER = 'org.r-runner.owner';
export const LABEL_INSTANCE = 'org.r-runner.instance';
export const LABEL_RUN_ID = 'org.r-runner.run-id';
export const LABEL_CREATED_AT = 'org.r-runner.created-at';
/** Present on containers started ahead of requests by the warm pool. */
export const LABEL_POOL = 'org.r-runner.pool';

export const OWNER_VALUE = 'r-runner';
