/**
 * Typed errors with stable codes. Codes are API: add new ones, never rename.
 * The HTTP layer maps codes to statuses (server/http/error-status.ts); the CLI
 * prints `code: message` on one line.
 */
export type ErrorCode =
  // input
  | 'BAD_REQUEST'
  | 'INVALID_METADATA'
  | 'METADATA_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'EMPTY_BODY'
  | 'INVALID_DIGEST_HEADER'
  | 'DIGEST_MISMATCH'
  | 'INVALID_HEX'
  | 'INVALID_JSON'
  | 'NON_CANONICAL_JSON'
  | 'INVALID_EVENT'
  | 'INVALID_PROOF_BUNDLE'
  | 'INVALID_RANGE'
  | 'INVALID_TREE_SIZE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UPLOAD_ABORTED'
  | 'INVALID_DEVICE_KEY'
  | 'INVALID_ACTION_CODE'
  | 'SIGNATURE_NEEDS_DIGEST'
  // auth
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'DEVICE_SIGNATURE_REQUIRED'
  | 'DEVICE_NOT_REGISTERED'
  | 'DEVICE_REVOKED'
  | 'DEVICE_SIGNATURE_INVALID'
  | 'DEVICE_EXISTS'
  | 'DEVICE_NOT_FOUND'
  | 'OFFICER_NOT_CERTIFIED'
  | 'CASE_NOT_FOUND'
  | 'ALREADY_ATTACHED'
  | 'NOT_ATTACHED'
  | 'INVALID_STATUS_CHANGE'
  | 'PURPOSE_REQUIRED'
  | 'RECORDING_NOT_FOUND'
  | 'RECORDING_EXISTS'
  | 'RECORDING_SEALED'
  | 'SEGMENT_OUT_OF_ORDER'
  | 'SEGMENT_CONFLICT'
  | 'SEGMENT_CHAIN_BROKEN'
  | 'SEAL_MISMATCH'
  | 'SHARE_NOT_FOUND'
  | 'NOT_A_COURT'
  | 'REVIEW_OUT_OF_ORDER'
  | 'REVIEW_NOT_ALLOWED'
  | 'REVIEW_COMPLETE'
  | 'REVIEW_NOT_OPEN'
  | 'REVIEW_INCOMPLETE'
  | 'REVIEW_SIGNATURE_REQUIRED'
  | 'REVIEW_SIGNATURE_INVALID'
  | 'NOTARY_SIGNATURE_INVALID'
  | 'NOTARY_NOT_AUTHORIZED'
  | 'HEAD_NOT_COSIGNED'
  | 'CERTIFICATE_EXISTS'
  // lookup
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'EVIDENCE_NOT_FOUND'
  | 'RENDITION_NOT_FOUND'
  | 'JOB_NOT_FOUND'
  // resumable uploads (tus)
  | 'TUS_VERSION_UNSUPPORTED'
  | 'INVALID_CHECKSUM_HEADER'
  | 'CHECKSUM_ALGORITHM_UNSUPPORTED'
  | 'CHECKSUM_MISMATCH'
  | 'UPLOAD_NOT_FOUND'
  | 'UPLOAD_EXPIRED'
  | 'UPLOAD_OFFSET_MISMATCH'
  | 'UPLOAD_LOCKED'
  // infrastructure
  | 'CHAIN_UNAVAILABLE'
  | 'CHAIN_MISMATCH'
  | 'ANCHOR_REJECTED'
  | 'LOG_FORK_DETECTED'
  | 'CONTENT_UNAVAILABLE'
  | 'SERVER_UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'MEDIA_TOOL_UNAVAILABLE'
  | 'MEDIA_TOOL_FAILED'
  | 'MEDIA_TOOL_TIMEOUT'
  | 'STORAGE_FULL'
  | 'INTERNAL';

export interface AppErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
