/**
 * Which files in a dock folder are recordings, and what they say about
 * themselves. Pure: the agent reads the directory and the sidecar, these
 * functions decide.
 *
 * Metadata, field by field, from the first source that has it:
 *   1. the sidecar `<recording>.json` (e.g. `clip.mp4.json`):
 *      {"deviceId", "officerId", "recordedAt", "endedAt", "location": {"lat", "lon"}, "note"}
 *      — any other key is refused (SIDECAR_INVALID): a stated fact must never vanish silently;
 *   2. the file name `<deviceId>_<YYYYMMDDTHHMMSS><Z|±HHMM>[_<anything>].<ext>`
 *      (deviceId and recordedAt only);
 *   3. the flags --device-id / --officer-id, and the file's mtime as recordedAt.
 * `fileName` is always the file's base name.
 */
import { basename, extname } from 'node:path';
import type { RecordingMetadata } from '../upload';
import { parseEvidenceMetadata } from '../../server/core/evidence-metadata';
import { isAppError } from '../../server/core/errors';
import { WatchError } from './errors';

/** A sidecar is a few hundred bytes; anything much larger is not one of ours. */
export const MAX_SIDECAR_BYTES = 64 * 1024;

/**
 * Names that are never recordings: copies in progress (`.part`, `.tmp`, rsync's
 * hidden temporaries), editor and OS litter, and JSON (sidecars; a JSON file is
 * never uploaded on its own, so a sidecar copied before its recording is not
 * mistaken for one).
 */
const SKIPPED_EXTENSIONS = new Set(['.part', '.partial', '.tmp', '.temp', '.crdownload', '.download', '.swp', '.json', '.lock']);
const SKIPPED_NAMES = new Set(['thumbs.db', 'desktop.ini']);

export function isRecordingName(name: string): boolean {
  if (name === '' || name.startsWith('.') || name.startsWith('~$') || name.endsWith('~')) return false;
  if (SKIPPED_NAMES.has(name.toLowerCase())) return false;
  return !SKIPPED_EXTENSIONS.has(extname(name).toLowerCase());
}

export function sidecarNameOf(recordingName: string): string {
  return `${recordingName}.json`;
}

const MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.wav': 'audio/wav',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
  '.amr': 'audio/amr',
  '.avi': 'video/x-msvideo',
};

/** The tus `filetype` for a recording, from its extension (case-insensitive). */
export function mediaTypeOf(fileName: string): string {
  return MEDIA_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

export interface FileNameFacts {
  deviceId: string;
  /** ISO-8601 with the offset the name gave (`Z` or `±HH:MM`). */
  recordedAt: string;
}

/**
 * `<deviceId>_<YYYYMMDDTHHMMSS><Z|±HHMM>[_<anything>].<ext>`, e.g.
 * `BWC-0042_20261120T093000Z.mp4`, `BWC-0042_20261120T173000+0800_0001.mp4`.
 * The device id is letters, digits, `.` and `-` (no `_`: it separates), so the
 * split is unambiguous. The zone is required: a camera's local time without
 * one would be a guess, and a wrong recordedAt is worse than the fallback.
 * Returns null when the name does not follow the convention or names an
 * impossible time (month 13, 25:00, 30 February).
 */
export function parseFileNameConvention(fileName: string): FileNameFacts | null {
  const stem = basename(fileName, extname(fileName));
  const match = /^([A-Za-z0-9][A-Za-z0-9.-]{0,63})_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})(?:_.*)?$/.exec(stem);
  if (!match) return null;
  const [, deviceId, year, month, day, hour, minute, second, zone] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  const fieldsExist = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  if (!fieldsExist) return null;
  let offset = 'Z';
  if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(3, 5));
    if (zh > 14 || zm > 59) return null;
    offset = `${zone.slice(0, 3)}:${zone.slice(3, 5)}`;
  }
  return { deviceId, recordedAt: `${year}-${month}-${day}T${hour}:${minute}:${second}${offset}` };
}

export interface Sidecar {
  deviceId?: string;
  officerId?: string;
  recordedAt?: string;
  endedAt?: string;
  location?: { lat: number; lon: number };
  note?: string;
}

const SIDECAR_KEYS: ReadonlySet<string> = new Set(['deviceId', 'officerId', 'recordedAt', 'endedAt', 'location', 'note']);

/**
 * Parses a sidecar's text. Shapes only (strings are strings, location is an
 * object); values are checked once, on the merged metadata, by the same
 * parser the server uses. Throws SIDECAR_INVALID listing every problem.
 */
export function parseSidecar(text: string): Sidecar {
  if (Buffer.byteLength(text, 'utf8') > MAX_SIDECAR_BYTES) {
    throw new WatchError('SIDECAR_INVALID', `the sidecar is larger than ${MAX_SIDECAR_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WatchError('SIDECAR_INVALID', 'the sidecar is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WatchError('SIDECAR_INVALID', 'the sidecar must be a JSON object');
  }
  const problems: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (!SIDECAR_KEYS.has(key)) problems.push(`unknown key "${key}" (known: ${[...SIDECAR_KEYS].join(', ')})`);
    else if (key === 'location') {
      if (typeof field !== 'object' || field === null || Array.isArray(field)) problems.push('location must be an object {"lat": …, "lon": …}');
    } else if (typeof field !== 'string') problems.push(`${key} must be a string`);
  }
  if (problems.length > 0) throw new WatchError('SIDECAR_INVALID', `invalid sidecar: ${problems.join('; ')}`, { details: { problems } });
  return value as Sidecar;
}

export type MetadataSource = 'sidecar' | 'file-name' | 'flag' | 'mtime';

export interface MetadataInputs {
  /** The recording's base name. */
  fileName: string;
  /** The sidecar's text, if the recording has one. */
  sidecarText?: string;
  flags: { deviceId?: string; officerId?: string };
  /** The recording's mtime: recordedAt when nothing better is known (when the camera finished writing it). */
  mtime: Date;
}

export interface ComputedMetadata {
  metadata: RecordingMetadata;
  /** Where deviceId, officerId and recordedAt came from (shown to the operator). */
  sources: { deviceId: MetadataSource; officerId: MetadataSource; recordedAt: MetadataSource };
}

/**
 * The metadata the agent signs and uploads for one recording. Throws
 * SIDECAR_INVALID, METADATA_INCOMPLETE (no device or officer from any source)
 * or METADATA_INVALID (what the server would refuse, found before a byte is sent).
 */
export function computeRecordingMetadata(inputs: MetadataInputs): ComputedMetadata {
  const sidecar = inputs.sidecarText === undefined ? {} : parseSidecar(inputs.sidecarText);
  const fromName = parseFileNameConvention(inputs.fileName);

  const pick = <T>(...candidates: Array<[T | undefined, MetadataSource]>): [T, MetadataSource] | undefined =>
    candidates.find(([value]) => value !== undefined && value !== '') as [T, MetadataSource] | undefined;
  const deviceId = pick<string>([sidecar.deviceId, 'sidecar'], [fromName?.deviceId, 'file-name'], [inputs.flags.deviceId, 'flag']);
  const officerId = pick<string>([sidecar.officerId, 'sidecar'], [inputs.flags.officerId, 'flag']);
  const recordedAt = pick<string>([sidecar.recordedAt, 'sidecar'], [fromName?.recordedAt, 'file-name'], [inputs.mtime.toISOString(), 'mtime'])!;

  const missing = [...(deviceId ? [] : ['deviceId (sidecar, file name or --device-id)']), ...(officerId ? [] : ['officerId (sidecar or --officer-id)'])];
  if (!deviceId || !officerId) {
    throw new WatchError('METADATA_INCOMPLETE', `no ${missing.join(' and no ')} for ${inputs.fileName}`, { details: { missing } });
  }

  const candidate: RecordingMetadata = {
    deviceId: deviceId[0],
    officerId: officerId[0],
    recordedAt: recordedAt[0],
    ...(sidecar.endedAt !== undefined ? { endedAt: sidecar.endedAt } : {}),
    ...(sidecar.location !== undefined ? { location: sidecar.location } : {}),
    fileName: inputs.fileName,
    ...(sidecar.note !== undefined ? { note: sidecar.note } : {}),
  };
  try {
    parseEvidenceMetadata(candidate);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new WatchError('METADATA_INVALID', error.message, { cause: error, details: error.details });
  }
  return { metadata: candidate, sources: { deviceId: deviceId[1], officerId: officerId[1], recordedAt: recordedAt[1] } };
}

/**
 * Whether every fact a sidecar states is in the metadata that was signed and
 * logged: only then may the sidecar be deleted with its recording. A sidecar
 * edited after the upload (a corrected note) says something the evidence does
 * not, and is kept.
 */
export function isSidecarInMetadata(sidecarText: string, metadata: RecordingMetadata): boolean {
  let sidecar: Sidecar;
  try {
    sidecar = parseSidecar(sidecarText);
  } catch {
    return false;
  }
  const logged = metadata as unknown as Record<string, unknown>;
  return Object.entries(sidecar).every(([key, value]) => JSON.stringify(value) === JSON.stringify(logged[key]));
}
