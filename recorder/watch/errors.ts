/**
 * Errors of the dock-station agent. Every error carries a stable code; the
 * agent decides from the code alone whether a file is refused (left in place,
 * retried only when it changes), retried with backoff, or the whole agent must
 * stop (a token the server does not accept would refuse every file).
 */

/** Codes the agent raises itself. The server's own codes (DEVICE_NOT_REGISTERED, …) travel in ServerRefusalError. */
export type WatchErrorCode =
  /** The sidecar `<file>.json` is not JSON, too large, or has a field we do not know. */
  | 'SIDECAR_INVALID'
  /** No source names a device or an officer (no sidecar field, no file-name match, no flag). */
  | 'METADATA_INCOMPLETE'
  /** The metadata gathered would be refused by the server (bad timestamp, location out of range, …). */
  | 'METADATA_INVALID'
  /** --key is a directory without `<deviceId>.key` for this file's device. */
  | 'DEVICE_KEY_MISSING'
  /** The server confirmed different bytes than we hashed: never mark such a file done. */
  | 'SERVER_HASH_MISMATCH'
  /** A proof bundle that does not prove this file (wrong hash, bad leaf or inclusion proof, other evidence id). */
  | 'PROOF_MISMATCH'
  /** The evidence was not anchored within --proof-timeout-ms. */
  | 'PROOF_TIMEOUT'
  /** The server answered something this agent cannot read (no Location, no evidence id, not JSON). */
  | 'PROTOCOL_ERROR'
  /** The upload the journal points to is gone from the server (expired or swept): it has to start again. */
  | 'UPLOAD_GONE'
  /** No byte moved for too long: the connection is presumed dead. */
  | 'UPLOAD_STALLED'
  /** The network failed or the server answered 5xx / 429 / 409 / 423. */
  | 'TRANSIENT'
  /** The server refused the token itself (401, or 403 FORBIDDEN): nothing can be uploaded until it is fixed. */
  | 'TOKEN_REFUSED'
  /** SIGINT/SIGTERM: the current chunk was finished (or the grace period ran out) and the upload stopped. */
  | 'STOPPED'
  /** Another agent holds the journal. */
  | 'JOURNAL_LOCKED'
  /** A journal transition that the journal's state does not allow (a bug, or two agents on one journal). */
  | 'JOURNAL_STATE_CONFLICT';

export interface WatchErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class WatchError extends Error {
  override readonly name = 'WatchError';
  readonly code: WatchErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: WatchErrorCode, message: string, options: WatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** A 4xx answer from the server about this file: `code` is the server's stable code (e.g. DEVICE_NOT_REGISTERED). */
export class ServerRefusalError extends Error {
  override readonly name = 'ServerRefusalError';
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's own message, without the code. */
    readonly serverMessage: string,
  ) {
    super(`${code}: ${serverMessage} (HTTP ${status})`);
  }
}

/** The message for an event or the journal, where the code travels beside it. */
export function errorMessage(error: unknown): string {
  if (error instanceof ServerRefusalError) return error.serverMessage;
  return error instanceof Error ? error.message : String(error);
}

/** Codes after which the file is refused for good (until it, or its sidecar, changes). */
const LOCAL_REFUSALS: ReadonlySet<WatchErrorCode> = new Set(['SIDECAR_INVALID', 'METADATA_INCOMPLETE', 'METADATA_INVALID', 'DEVICE_KEY_MISSING', 'SERVER_HASH_MISMATCH']);

export type ErrorClass = 'refused' | 'retry' | 'fatal';

/**
 * How the agent treats an error. Anything unknown (a bug, an I/O error on the
 * dock's disk) is retried: a file is never skipped for a reason the agent
 * does not understand.
 */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof ServerRefusalError) return 'refused';
  if (error instanceof WatchError) {
    if (error.code === 'TOKEN_REFUSED' || error.code === 'JOURNAL_LOCKED' || error.code === 'JOURNAL_STATE_CONFLICT') return 'fatal';
    return LOCAL_REFUSALS.has(error.code) ? 'refused' : 'retry';
  }
  return 'retry';
}

/** The stable code of any error, for events and the journal. */
export function errorCode(error: unknown): string {
  if (error instanceof ServerRefusalError || error instanceof WatchError) return error.code;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}
