/**
 * Events of the media pipeline. Like every event they are canonicalised and
 * logged, so what ffprobe saw in an original and how each playback copy was
 * made are as tamper-evident as the original itself.
 *
 * - `evidence.probed`: what the original contains (streams, duration, device
 *   tags) and the SHA-256 of each stream's packets as stored, which a pure
 *   remux (new container, same streams) keeps.
 * - `evidence.derived`: a rendition made from an original: its own SHA-256 and
 *   CID (top-level `sha256`, so a bundle of it verifies the rendition file
 *   like any other), the original it came from, the exact ffmpeg version and
 *   argument list, and decoded-content hashes of both where meaningful.
 */
import { z } from 'zod';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const evidenceId = z.string().min(1).max(64);
const isoDateTime = z.iso.datetime({ offset: true });

export const streamHashSchema = z
  .object({
    index: z.number().int().nonnegative(),
    type: z.enum(['video', 'audio']),
    codec: z.string().min(1).max(64),
    sha256: hex32,
    format: z.string().max(200).optional(),
  })
  .strict();

const mediaStreamSchema = z
  .object({
    index: z.number().int().nonnegative(),
    type: z.enum(['video', 'audio', 'subtitle', 'data', 'attachment']),
    codec: z.string().max(64),
    profile: z.string().max(128).optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    frameRate: z.string().max(32).optional(),
    pixelFormat: z.string().max(64).optional(),
    sampleRate: z.number().int().positive().optional(),
    channels: z.number().int().positive().optional(),
    sampleFormat: z.string().max(64).optional(),
    durationSeconds: z.number().nonnegative().optional(),
    attachedPicture: z.boolean().optional(),
  })
  .strict();

const mediaInfoSchema = z
  .object({
    kind: z.enum(['video', 'audio']),
    container: z.string().max(200),
    durationSeconds: z.number().nonnegative().optional(),
    bitRate: z.number().nonnegative().optional(),
    streams: z.array(mediaStreamSchema).max(64),
    creationTime: z.string().max(64).optional(),
    deviceTags: z.record(z.string().max(128), z.string().max(1024)),
  })
  .strict();

const toolSchema = z.object({ ffmpeg: z.string().min(1).max(500), ffprobe: z.string().min(1).max(500) }).strict();

export const evidenceProbedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('evidence.probed'),
    evidenceId,
    /** The original's SHA-256: this event is about that file. */
    sha256: hex32,
    media: z.discriminatedUnion('playable', [
      z.object({ playable: z.literal(true), info: mediaInfoSchema }).strict(),
      z.object({ playable: z.literal(false), reason: z.string().min(1).max(1000) }).strict(),
    ]),
    /** Per-stream SHA-256 of the packets as stored; absent for a file that is not playable media. */
    packetHashes: z.array(streamHashSchema).max(64).optional(),
    tool: toolSchema,
    probedAt: isoDateTime,
  })
  .strict();

export type EvidenceProbedEvent = z.infer<typeof evidenceProbedEventSchema>;

export const evidenceDerivedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('evidence.derived'),
    /** The rendition's own id: `<original id>/<name>`. */
    renditionId: z.string().min(1).max(200),
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    /** The rendition's SHA-256, size, type and CID: this event is about the rendition file. */
    sha256: hex32,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    mediaType: z.string().min(1).max(255),
    cid: z.string().min(1).max(128),
    cidProfile: z.string().min(1),
    derivedFrom: z.object({ evidenceId, sha256: hex32 }).strict(),
    recipe: z
      .object({
        tool: z.literal('ffmpeg'),
        version: z.string().min(1).max(500),
        /** The argument list exactly as run, with the paths as {input} and {output}. */
        args: z.array(z.string().max(2000)).min(1).max(200),
      })
      .strict(),
    decodedHashes: z.object({ original: z.array(streamHashSchema).max(64), rendition: z.array(streamHashSchema).max(64) }).strict().optional(),
    derivedAt: isoDateTime,
  })
  .strict();

export type EvidenceDerivedEvent = z.infer<typeof evidenceDerivedEventSchema>;

/** The id under which a rendition is listed and verified. */
export const renditionId = (evidenceId: string, name: string) => `${evidenceId}/${name}`;
