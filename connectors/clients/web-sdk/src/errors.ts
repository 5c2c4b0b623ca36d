/** Errors the SDK raises: the server's typed errors (its `extensions.code`) and being offline. */

/** Codes a later retry may succeed on (the server says so with the same codes). */
const RETRYABLE = new Set(["OFFLINE", "TIMEOUT", "UNAVAILABLE", "ENRICHMENT_FAILED", "INTERNAL"]);

export class ThreadlineError extends Error {
  /** The server's `extensions.code` (BAD_INPUT, FORBIDDEN, CONFLICT...), or OFFLINE. */
  readonly code: string;
  /** Everything the server put in `extensions` (CONFLICT: `version` and `attributes`). */
  readonly extensions: Record<string, unknown>;

  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = "ThreadlineError";
    this.code = code;
    this.extensions = extensions;
  }

  /** Whether trying again later may succeed (offline, the server briefly unavailable). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** The network is down or the server cannot be reached: what was sent is kept and retried. */
export class OfflineError extends ThreadlineError {
  constructor(cause: unknown) {
    super("OFFLINE", `Threadline is unreachable: ${String(cause)}`);
    this.name = "OfflineError";
  }
}
