/**
 * One attempt at sending a recording over tus (https://tus.io/protocols/resumable-upload),
 * with tus-js-client. Retries are the agent's, not tus-js-client's: each
 * attempt starts from what the journal knows, so a retry after a dropped link
 * and a restart after SIGKILL are the same code path.
 *
 * The invariant: once the server has created an upload for a file, the file
 * only ever resumes that upload. Given `uploadUrl`, tus-js-client HEADs it and
 * PATCHes from the server's offset; it is NOT given the endpoint then, because
 * on a 4xx HEAD it would silently create a second upload. A missing upload
 * surfaces as UPLOAD_GONE instead, and the agent decides (journal first).
 */
import { createReadStream } from 'node:fs';
import * as tus from 'tus-js-client';
import { WatchError } from './errors';
import { errorForAnswer } from './server-api';

const EVIDENCE_ID = /^ev_[A-Za-z0-9-]{1,64}$/;

export interface TusAttemptOptions {
  file: string;
  /** Creates an upload here when `uploadUrl` is null. */
  endpoint: string;
  /** The upload this file already has on the server (from the journal), or null. */
  uploadUrl: string | null;
  token: string;
  /** tus Upload-Metadata, one string per key. */
  metadata: Record<string, string>;
  chunkSize: number;
  /** Give up the attempt when no byte and no answer moved for this long. */
  stallTimeoutMs: number;
  /** Called when the server has created (or confirmed) the upload, before any byte is sent: journal it now. */
  onUploadUrl: (url: string) => void;
  /** Absolute position in the file: bytes the server holds plus bytes of the current PATCH sent so far. */
  onProgress: (position: number, total: number) => void;
  /** Aborted on SIGINT/SIGTERM: the PATCH in flight is finished, then the attempt stops (STOPPED). */
  stop: AbortSignal;
  /** How long to wait for the PATCH in flight after `stop` before cutting it (the server keeps what arrived). */
  stopGraceMs: number;
}

export interface TusAttemptResult {
  evidenceId: string;
  uploadUrl: string;
  /** Offset of this attempt's first PATCH: 0 for a new upload, the server's offset for a resumed one (size if nothing was left). */
  resumedFrom: number;
  /** Bytes the server accepted during this attempt. */
  bytesSent: number;
}

/** Bytes of a PATCH that started but whose answer never came are not counted in bytesSent; they are in this. */
export interface TusAttemptProgress {
  resumedFrom: number | null;
  accepted: number;
}

export function uploadAttempt(options: TusAttemptOptions, progress: TusAttemptProgress = { resumedFrom: null, accepted: 0 }): Promise<TusAttemptResult> {
  return new Promise<TusAttemptResult>((resolve, reject) => {
    const source = createReadStream(options.file);
    let lastActivity = Date.now();
    let settled = false;
    let stopping = false;
    let total = 0;
    let upload: tus.Upload;

    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      clearTimeout(grace);
      options.stop.removeEventListener('abort', onStop);
      source.destroy();
      outcome();
    };
    const cut = (error: WatchError) => {
      // Stop tus-js-client (no further callbacks), then report.
      void upload.abort().finally(() => finish(() => reject(error)));
    };

    let grace: NodeJS.Timeout | undefined;
    const onStop = () => {
      stopping = true;
      grace = setTimeout(() => cut(new WatchError('STOPPED', 'stopped before the chunk in flight finished')), options.stopGraceMs);
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastActivity > options.stallTimeoutMs) {
        cut(new WatchError('UPLOAD_STALLED', `nothing moved for ${options.stallTimeoutMs} ms`));
      }
    }, Math.min(1000, options.stallTimeoutMs));

    upload = new tus.Upload(source, {
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : { endpoint: options.endpoint }),
      metadata: options.metadata,
      chunkSize: options.chunkSize,
      headers: { authorization: `Bearer ${options.token}` },
      retryDelays: null,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      onUploadUrlAvailable: () => {
        lastActivity = Date.now();
        try {
          options.onUploadUrl(upload.url!);
        } catch (error) {
          // The URL could not be journaled: sending bytes now would break resumability.
          cut(error instanceof WatchError ? error : new WatchError('TRANSIENT', `could not journal the upload URL: ${(error as Error).message}`, { cause: error }));
        }
      },
      onBeforeRequest: (req) => {
        lastActivity = Date.now();
        if (req.getMethod() === 'PATCH' && progress.resumedFrom === null) progress.resumedFrom = Number(req.getHeader('Upload-Offset'));
      },
      onAfterResponse: (req, res) => {
        lastActivity = Date.now();
        if (req.getMethod() === 'PATCH' && res.getStatus() === 204) {
          progress.accepted = Number(res.getHeader('Upload-Offset')) - (progress.resumedFrom ?? 0);
        }
      },
      onProgress: (position, bytesTotal) => {
        lastActivity = Date.now();
        total = bytesTotal;
        options.onProgress(position, bytesTotal);
      },
      onChunkComplete: () => {
        if (stopping) cut(new WatchError('STOPPED', 'stopped after the chunk in flight'));
      },
      onSuccess: ({ lastResponse }) => {
        const evidenceId = lastResponse.getHeader('Custos-Evidence-Id');
        if (!evidenceId || !EVIDENCE_ID.test(evidenceId)) {
          finish(() => reject(new WatchError('PROTOCOL_ERROR', `the upload completed without a valid Custos-Evidence-Id (got ${JSON.stringify(evidenceId ?? null)})`)));
          return;
        }
        const resumedFrom = progress.resumedFrom ?? total;
        finish(() => resolve({ evidenceId, uploadUrl: upload.url!, resumedFrom, bytesSent: progress.accepted }));
      },
      onError: (error) => finish(() => reject(toWatchError(error))),
    });
    options.stop.addEventListener('abort', onStop, { once: true });
    if (options.stop.aborted) onStop();
    upload.start();
  });
}

/** tus-js-client's DetailedError → the agent's vocabulary (see errorForAnswer). */
function toWatchError(error: Error): Error {
  const detailed = error as tus.DetailedError;
  const response = detailed.originalResponse;
  if (!response) {
    return new WatchError('TRANSIENT', error.message, { cause: detailed.causingError ?? error });
  }
  const status = response.getStatus();
  const method = detailed.originalRequest?.getMethod();
  // tus §Expiration / §Termination: the upload is no more (expired, swept, or removed after ingest refused it).
  if ((status === 404 || status === 410) && (method === 'HEAD' || method === 'PATCH')) {
    return new WatchError('UPLOAD_GONE', `the server no longer has the upload (HTTP ${status} to ${method})`, { details: { status } });
  }
  return errorForAnswer(status, response.getBody() ?? '', `tus ${method ?? ''}`.trim());
}
