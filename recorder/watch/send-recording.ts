/**
 * Sending one journaled recording: metadata, signature, one tus attempt, and
 * the server's confirmation. A file counts as uploaded only when the server's
 * own record (GET /v1/evidence/:id) has the SHA-256 the dock computed; a
 * completed tus upload alone is not a confirmed one.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { signAsDevice } from '../../server/core/device-signature';
import type { RecordingMetadata } from '../upload';
import type { DeviceKeys } from './device-keys';
import { WatchError } from './errors';
import type { WatchEvent } from './events';
import { computeRecordingMetadata, mediaTypeOf, sidecarNameOf, type ComputedMetadata } from './file-metadata';
import type { Journal, JournalRow } from './journal';
import type { CustosApi } from './server-api';
import type { ObservedFile } from './stable-files';
import { uploadAttempt, type TusAttemptProgress } from './tus-upload';

const PROGRESS_EVERY_MS = 250;
/** After SIGINT/SIGTERM, how long the chunk in flight may take before it is cut (the server keeps what arrived). */
const STOP_GRACE_MS = 15_000;

export interface SendComponents {
  journal: Journal;
  api: CustosApi;
  server: string;
  token: string;
  keys: DeviceKeys;
  flags: { deviceId?: string; officerId?: string };
  chunkSize: number;
  stallTimeoutMs: number;
  stop: AbortSignal;
  emit: (event: WatchEvent) => void;
  /** Bytes the server accepted per row in this process, over all attempts. */
  bytesSent: Map<number, number>;
}

/**
 * Moves a pending or uploading row to `uploaded`. Returns false, doing
 * nothing, when the file is no longer the version that was hashed (the
 * scanner then sees the new version). Throws the agent's errors otherwise.
 */
export async function sendRecording(c: SendComponents, file: ObservedFile, row: JournalRow): Promise<boolean> {
  const now = await stat(file.path);
  if (now.size !== row.size || now.mtimeMs !== row.mtimeMs) return false;

  // Metadata is fixed when the upload is created (and journaled with its URL): a resumed upload keeps it.
  const computed = row.metadata === null ? metadataOf(file, c.flags) : undefined;
  const metadata: RecordingMetadata = computed ? computed.metadata : JSON.parse(row.metadata!);
  const metadataJson = JSON.stringify(metadata);
  // The URL's path on the configured server: a dock whose server moved (new host name) still resumes its uploads.
  const uploadUrl = row.uploadUrl === null ? null : new URL(new URL(row.uploadUrl).pathname, c.server).toString();
  // Only a new upload needs the signature; a resumed one carries it since its creation.
  const signature = uploadUrl === null ? signAsDevice(c.keys(metadata.deviceId), row.sha256, metadata) : undefined;
  c.emit({
    type: 'upload-started',
    path: file.rel,
    size: row.size,
    sha256: row.sha256,
    uploadUrl,
    deviceId: metadata.deviceId,
    ...(computed ? { sources: computed.sources } : {}),
  });

  const progress: TusAttemptProgress = { resumedFrom: null, accepted: 0 };
  const started = Date.now();
  let lastReport = 0;
  let result;
  try {
    result = await uploadAttempt(
      {
        file: file.path,
        endpoint: c.api.uploadsEndpoint(),
        uploadUrl,
        token: c.token,
        metadata: tusMetadataOf(metadata, row.sha256, signature),
        chunkSize: c.chunkSize,
        stallTimeoutMs: c.stallTimeoutMs,
        stop: c.stop,
        stopGraceMs: STOP_GRACE_MS,
        onUploadUrl: (url) => {
          if (url !== row.uploadUrl) c.journal.markUploading(row.id, url, metadataJson);
        },
        onProgress: (position, total) => {
          const at = Date.now();
          if (at - lastReport < PROGRESS_EVERY_MS && position < total) return;
          lastReport = at;
          const sent = position - (progress.resumedFrom ?? position);
          c.emit({
            type: 'upload-progress',
            path: file.rel,
            bytesSent: position,
            bytesTotal: total,
            percent: total > 0 ? Math.floor((position / total) * 1000) / 10 : 100,
            bytesPerSecond: Math.round(sent / Math.max(0.001, (at - started) / 1000)),
          });
        },
      },
      progress,
    );
  } finally {
    c.bytesSent.set(row.id, (c.bytesSent.get(row.id) ?? 0) + progress.accepted);
  }

  const record = await c.api.evidence(result.evidenceId);
  if (record.sha256 !== row.sha256) {
    throw new WatchError('SERVER_HASH_MISMATCH', `evidence ${result.evidenceId} has sha256 ${record.sha256}, the file ${row.sha256}`, {
      details: { expected: row.sha256, found: record.sha256 },
    });
  }
  c.journal.markUploaded(row.id, result.evidenceId);
  c.emit({
    type: 'uploaded',
    path: file.rel,
    evidenceId: result.evidenceId,
    sha256: row.sha256,
    uploadUrl: result.uploadUrl,
    resumedFrom: result.resumedFrom,
    bytesSent: c.bytesSent.get(row.id) ?? 0,
  });
  return true;
}

function metadataOf(file: ObservedFile, flags: SendComponents['flags']): ComputedMetadata {
  const sidecarPath = join(dirname(file.path), sidecarNameOf(basename(file.path)));
  let sidecarText: string | undefined;
  if (file.sidecarStamp !== null) {
    try {
      sidecarText = readFileSync(sidecarPath, 'utf8');
    } catch (cause) {
      throw new WatchError('SIDECAR_INVALID', `the sidecar ${sidecarPath} cannot be read`, { cause });
    }
  }
  return computeRecordingMetadata({ fileName: basename(file.path), sidecarText, flags, mtime: new Date(file.mtimeMs) });
}

/** tus Upload-Metadata as the server reads it (server/core/tus.ts): one key per evidence field, `location` as JSON text. */
function tusMetadataOf(metadata: RecordingMetadata, sha256: string, deviceSignature: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {
    deviceId: metadata.deviceId,
    officerId: metadata.officerId,
    recordedAt: metadata.recordedAt,
    fileName: metadata.fileName!,
    filename: metadata.fileName!, // for generic tus tooling; the server prefers fileName
    filetype: mediaTypeOf(metadata.fileName!),
    sha256,
  };
  if (metadata.endedAt !== undefined) fields.endedAt = metadata.endedAt;
  if (metadata.location !== undefined) fields.location = JSON.stringify(metadata.location);
  if (metadata.note !== undefined) fields.note = metadata.note;
  if (deviceSignature !== undefined) fields.deviceSignature = deviceSignature;
  return fields;
}
