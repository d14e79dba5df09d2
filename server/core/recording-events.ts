/**
 * Live recordings, fixed segment by segment while they are made (实时留痕).
 *
 * - `recording.started`: a recorder opened a recording (its id is chosen by the
 *   recorder, so it can start, and sign, before the link is up).
 * - `segment.recorded`: one finished segment: its SHA-256 and CID, its place
 *   (`sequence`, from 0) and the SHA-256 of the segment before it
 *   (`prevSegmentHash`, null for the first), signed by the device. The chain of
 *   hashes makes a missing, reordered or replaced segment visible.
 * - `recording.sealed`: the recorder stopped; the number of segments and the
 *   last segment's hash close the chain, so a cut-off tail is visible too.
 */
import { z } from 'zod';
import { actorSchema } from './actor';
import { deviceSignatureSchema } from './device-signature';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const isoDateTime = z.iso.datetime({ offset: true });
export const RECORDING_ID = /^rec_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const recordingId = z.string().regex(RECORDING_ID, 'must be rec_<uuid>');
const label = z.string().min(1).max(128);

/** What the device states when it opens a recording (signed with sha256 = 64 zeros: there is no content yet). */
export const recordingMetadataSchema = z
  .object({
    recordingId,
    deviceId: label,
    officerId: label,
    startedAt: isoDateTime,
    segmentSeconds: z.number().positive().max(3600),
    /** ffmpeg's segment format, e.g. "mpegts". */
    format: z.string().min(1).max(32),
    note: z.string().max(4000).optional(),
  })
  .strict();

export type RecordingMetadata = z.infer<typeof recordingMetadataSchema>;

/** What the device signs for a segment, with the segment's SHA-256. */
export const segmentMetadataSchema = z
  .object({
    recordingId,
    deviceId: label,
    sequence: z.number().int().nonnegative().max(10_000_000),
    prevSegmentHash: hex32.nullable(),
  })
  .strict();

export type SegmentMetadata = z.infer<typeof segmentMetadataSchema>;

/** What the device signs when it stops, with sha256 = the last segment's hash (64 zeros if none). */
export const sealMetadataSchema = z
  .object({
    recordingId,
    deviceId: label,
    segmentCount: z.number().int().nonnegative().max(10_000_000),
    sealedAt: isoDateTime,
  })
  .strict();

export type SealMetadata = z.infer<typeof sealMetadataSchema>;

export const NO_CONTENT_HASH = '0'.repeat(64);

export const recordingStartedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('recording.started'),
    recording: recordingMetadataSchema,
    deviceSignature: deviceSignatureSchema.optional(),
    uploader: actorSchema,
    receivedAt: isoDateTime,
  })
  .strict();

export const segmentRecordedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('segment.recorded'),
    segment: segmentMetadataSchema,
    /** The segment file: `sha256` at the top, so a bundle checks a segment file like any other. */
    sha256: hex32,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    cid: z.string().min(1).max(128),
    cidProfile: z.string().min(1),
    deviceSignature: deviceSignatureSchema.optional(),
    uploader: actorSchema,
    receivedAt: isoDateTime,
  })
  .strict();

export const recordingSealedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('recording.sealed'),
    seal: sealMetadataSchema,
    lastSegmentHash: hex32.nullable(),
    deviceSignature: deviceSignatureSchema.optional(),
    uploader: actorSchema,
    receivedAt: isoDateTime,
  })
  .strict();

export type RecordingStartedEvent = z.infer<typeof recordingStartedEventSchema>;
export type SegmentRecordedEvent = z.infer<typeof segmentRecordedEventSchema>;
export type RecordingSealedEvent = z.infer<typeof recordingSealedEventSchema>;
