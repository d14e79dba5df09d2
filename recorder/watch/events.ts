/**
 * What the dock agent reports, one event at a time (`--json` prints each as
 * one line). `path` is relative to the watched folder, as in the journal.
 */
import type { MetadataSource } from './file-metadata';

export type WatchEvent =
  | { type: 'file-seen'; path: string; size: number }
  | { type: 'file-stable'; path: string; size: number; mtime: string }
  | {
      type: 'upload-started';
      path: string;
      size: number;
      sha256: string;
      /** The upload being resumed, or null when a new one is about to be created. */
      uploadUrl: string | null;
      deviceId: string;
      /** Where deviceId, officerId and recordedAt came from; absent when resuming (the metadata was fixed at creation). */
      sources?: Record<'deviceId' | 'officerId' | 'recordedAt', MetadataSource>;
    }
  | { type: 'upload-progress'; path: string; bytesSent: number; bytesTotal: number; percent: number; bytesPerSecond: number }
  | {
      type: 'uploaded';
      path: string;
      evidenceId: string;
      sha256: string;
      uploadUrl: string;
      /** Offset of the first PATCH of the attempt that finished: > 0 when it resumed an earlier upload. */
      resumedFrom: number;
      /** Bytes the server accepted from this process for this file (all attempts). */
      bytesSent: number;
    }
  | { type: 'verified'; path: string; evidenceId: string; proofPath: string; treeSize?: number; anchoredAt?: string }
  | { type: 'deleted'; path: string; evidenceId: string }
  | {
      type: 'error';
      path?: string;
      /** The server's code (DEVICE_NOT_REGISTERED, …) or the agent's (see recorder/watch/errors.ts). */
      code: string;
      message: string;
      status?: number;
      /** refused: left in place until it changes (or --retry-refused); retry: tried again in retryInMs; fatal: the agent stops. */
      outcome: 'refused' | 'retry' | 'gave-up' | 'fatal';
      retryInMs?: number;
    }
  | { type: 'stopped'; reason: 'done' | 'signal'; verified: number; deleted: number; refused: number; unfinished: number };
