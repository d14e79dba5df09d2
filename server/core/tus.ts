/**
 * tus 1.0.0 resumable uploads (https://tus.io/protocols/resumable-upload):
 * parsing of the protocol's untrusted headers and of the evidence fields a
 * client states in `Upload-Metadata`. No I/O; the routes are in
 * server/http/routes/uploads.ts, the storage in server/adapters/uploads/.
 */
import { AppError } from './errors';
import { parseEvidenceMetadata, type EvidenceMetadata } from './evidence-metadata';

export const TUS_VERSION = '1.0.0';
/** Advertised in `Tus-Extension`. No creation-defer-length: the length must be known up front (limits, expiry). */
export const TUS_EXTENSIONS = ['creation', 'checksum', 'termination', 'expiration'] as const;
export const TUS_CHECKSUM_ALGORITHMS = ['sha256', 'sha1'] as const;
export type TusChecksumAlgorithm = (typeof TUS_CHECKSUM_ALGORITHMS)[number];

const DIGEST_BYTES: Record<TusChecksumAlgorithm, number> = { sha256: 32, sha1: 20 };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** tus §Upload-Metadata: a key has no spaces and no commas; we also refuse control and non-ASCII characters. */
const METADATA_KEY = /^[\x21-\x2b\x2d-\x7e]{1,64}$/;
const MAX_METADATA_PAIRS = 32;
/** Same rule as the Content-Type of POST /v1/evidence. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const MAX_DEVICE_SIGNATURE_CHARS = 4096;

/**
 * Strict base64 (RFC 4648 §4, padded): Buffer.from(…, 'base64') accepts
 * garbage (stray characters, missing padding) and would silently change a
 * stated value; the round trip also refuses non-zero padding bits.
 */
function decodeBase64(value: string): Buffer | null {
  if (!BASE64.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `Upload-Metadata: key base64value,key2 base64value2` (tus §Creation). Keys
 * must be unique; a value may be empty (key alone). Values are decoded as
 * UTF-8 text: every field we take is text.
 * Throws INVALID_METADATA, listing every problem at once.
 */
export function parseUploadMetadata(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  if (header.trim() === '') return fields;
  const problems: string[] = [];
  const pairs = header.split(',');
  if (pairs.length > MAX_METADATA_PAIRS) {
    throw new AppError('INVALID_METADATA', `Upload-Metadata has more than ${MAX_METADATA_PAIRS} pairs`);
  }
  for (const pair of pairs) {
    const match = /^([^ ]+)(?: ([^ ]*))?$/.exec(pair.trim());
    if (!match || !METADATA_KEY.test(match[1])) {
      problems.push(`"${pair.trim().slice(0, 40)}" is not a "key base64value" pair`);
      continue;
    }
    const [, key, encoded = ''] = match;
    if (fields.has(key)) {
      problems.push(`${key}: given twice`);
      continue;
    }
    const bytes = decodeBase64(encoded);
    if (bytes === null) {
      problems.push(`${key}: the value is not padded base64`);
      continue;
    }
    try {
      fields.set(key, utf8.decode(bytes));
    } catch {
      problems.push(`${key}: the value is not UTF-8 text`);
    }
  }
  if (problems.length > 0) {
    throw new AppError('INVALID_METADATA', `invalid Upload-Metadata: ${problems.join('; ')}`, { details: { problems } });
  }
  return fields;
}

export interface UploadChecksum {
  algorithm: TusChecksumAlgorithm;
  digest: Buffer;
}

/**
 * `Upload-Checksum: <algorithm> <base64 digest>` (tus §Checksum): the digest
 * of this PATCH's body alone. An algorithm we do not offer is a 400
 * (CHECKSUM_ALGORITHM_UNSUPPORTED), as the spec requires.
 */
export function parseUploadChecksum(header: string): UploadChecksum {
  const match = /^([A-Za-z0-9-]{1,32}) (\S+)$/.exec(header.trim());
  if (!match) throw new AppError('INVALID_CHECKSUM_HEADER', 'Upload-Checksum must be "<algorithm> <base64 digest>"');
  const algorithm = match[1].toLowerCase();
  if (!(TUS_CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new AppError('CHECKSUM_ALGORITHM_UNSUPPORTED', `checksum algorithm "${match[1]}" is not supported; use one of ${TUS_CHECKSUM_ALGORITHMS.join(', ')}`, {
      details: { supported: [...TUS_CHECKSUM_ALGORITHMS] },
    });
  }
  const known = algorithm as TusChecksumAlgorithm;
  const digest = decodeBase64(match[2]);
  if (digest === null || digest.length !== DIGEST_BYTES[known]) {
    throw new AppError('INVALID_CHECKSUM_HEADER', `the ${known} digest in Upload-Checksum must be ${DIGEST_BYTES[known]} bytes in padded base64`);
  }
  return { algorithm: known, digest };
}

/** `Upload-Length` / `Upload-Offset`: a non-negative safe integer in plain decimal digits (no sign, no spaces). */
export function parseTusInteger(header: string, name: 'Upload-Length' | 'Upload-Offset'): number {
  if (!/^\d{1,16}$/.test(header) || !Number.isSafeInteger(Number(header))) {
    throw new AppError('BAD_REQUEST', `${name} must be a non-negative integer`, { details: { header: name } });
  }
  return Number(header);
}

/** What an upload will hand to ingest once its last byte has arrived. */
export interface UploadEvidenceFields {
  metadata: EvidenceMetadata;
  mediaType: string;
  /** Lowercase hex SHA-256 of the whole file, checked by ingest like a Repr-Digest. */
  declaredSha256?: string;
  /** Opaque here; checked by ingest. */
  deviceSignature?: string;
}

const EVIDENCE_KEYS = ['deviceId', 'officerId', 'recordedAt', 'endedAt', 'fileName', 'note', 'location'] as const;
const UPLOAD_KEYS = ['filename', 'filetype', 'sha256', 'deviceSignature'] as const;

/**
 * Maps tus metadata onto the evidence metadata of POST /v1/evidence (one key
 * per field; `location` as JSON text) and checks it with the same parser, so
 * a bad upload is refused at creation, before any byte is sent.
 * Unknown keys are refused, not dropped: a stated fact must never vanish silently.
 */
export function parseUploadEvidenceFields(fields: ReadonlyMap<string, string>): UploadEvidenceFields {
  const known: readonly string[] = [...EVIDENCE_KEYS, ...UPLOAD_KEYS];
  const unknown = [...fields.keys()].filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new AppError('INVALID_METADATA', `unknown Upload-Metadata keys: ${unknown.join(', ')}; known: ${known.join(', ')}`, { details: { unknownKeys: unknown } });
  }
  const candidate: Record<string, unknown> = {};
  for (const key of EVIDENCE_KEYS) {
    const value = fields.get(key);
    if (value !== undefined) candidate[key] = key === 'location' ? parseLocation(value) : value;
  }
  const filename = fields.get('filename');
  if (candidate.fileName === undefined && filename !== undefined) candidate.fileName = filename;
  const metadata = parseEvidenceMetadata(candidate);

  const mediaType = (fields.get('filetype') ?? '').split(';')[0].trim().toLowerCase() || 'application/octet-stream';
  if (!MEDIA_TYPE.test(mediaType)) throw new AppError('INVALID_METADATA', `filetype "${mediaType}" is not a media type`);

  const sha256 = fields.get('sha256');
  if (sha256 !== undefined && !SHA256_HEX.test(sha256)) {
    throw new AppError('INVALID_METADATA', 'sha256 must be the file’s SHA-256 as 64 hex characters');
  }
  const deviceSignature = fields.get('deviceSignature');
  if (deviceSignature !== undefined && (deviceSignature === '' || deviceSignature.length > MAX_DEVICE_SIGNATURE_CHARS)) {
    throw new AppError('INVALID_METADATA', `deviceSignature must be 1 to ${MAX_DEVICE_SIGNATURE_CHARS} characters`);
  }
  return {
    metadata,
    mediaType,
    ...(sha256 !== undefined ? { declaredSha256: sha256.toLowerCase() } : {}),
    ...(deviceSignature !== undefined ? { deviceSignature } : {}),
  };
}

function parseLocation(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('INVALID_METADATA', 'location must be JSON text: {"lat": …, "lon": …}', { cause });
  }
}
