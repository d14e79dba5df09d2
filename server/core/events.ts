/**
 * Log events: every fact worth proving is one event, canonicalised with JCS and
 * appended as one leaf. leaf hash = SHA-256(0x00 ‖ JCS(event)) (RFC 9162 §2.1.1).
 */
import { z } from 'zod';
import { AppError } from './errors';
import { canonicalBytes } from './jcs';
import { hashLeaf, type Hash } from './hash';
import { evidenceMetadataSchema } from './evidence-metadata';
import { actorSchema } from './actor';
import { deviceSignatureSchema } from './device-signature';
import { notaryCertifiedEventSchema } from './notarization';
import { auditCompletedEventSchema } from './audit-events';
import { CUSTODY_ACTIONS, caseOpenedEventSchema, casePackagedEventSchema, custodyEventSchema } from './case-events';
import { recordingSealedEventSchema, recordingStartedEventSchema, segmentRecordedEventSchema } from './recording-events';
import { deviceRegisteredEventSchema, deviceRevokedEventSchema, type DeviceRegisteredEvent, type DeviceRevokedEvent } from './device-events';
import { evidenceDerivedEventSchema, evidenceProbedEventSchema, type EvidenceDerivedEvent, type EvidenceProbedEvent } from './media-events';

export const EVENT_VERSION = 'custos.event/v1';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

export { actorSchema, type Actor } from './actor';

export const evidenceIngestedEventSchema = z
  .object({
    version: z.literal(EVENT_VERSION),
    type: z.literal('evidence.ingested'),
    evidenceId: z.string().min(1).max(64),
    sha256: hex32,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    mediaType: z.string().min(1).max(255),
    cid: z.string().min(1).max(128),
    cidProfile: z.string().min(1),
    metadata: evidenceMetadataSchema,
    receivedAt: z.iso.datetime({ offset: true }),
    uploader: actorSchema,
    /** The recorder's signature over (sha256, metadata); absent for an unsigned (manual) upload. */
    deviceSignature: deviceSignatureSchema.optional(),
  })
  .strict();

export type EvidenceIngestedEvent = z.infer<typeof evidenceIngestedEventSchema>;

/**
 * Any event the log may hold. Later issues add types; a verifier that does not
 * know a type can still check its inclusion, so unknown types are accepted here
 * as long as they carry a version and a type.
 */
export type LogEvent = EvidenceIngestedEvent | EvidenceProbedEvent | EvidenceDerivedEvent | DeviceRegisteredEvent | DeviceRevokedEvent | ({ version: string; type: string } & Record<string, unknown>);

/** Event types whose shape is checked; others only need a version and a type. */
const KNOWN_EVENTS: Record<string, z.ZodType | undefined> = {
  'evidence.ingested': evidenceIngestedEventSchema,
  'evidence.probed': evidenceProbedEventSchema,
  'evidence.derived': evidenceDerivedEventSchema,
  'device.registered': deviceRegisteredEventSchema,
  'device.revoked': deviceRevokedEventSchema,
  'recording.started': recordingStartedEventSchema,
  'segment.recorded': segmentRecordedEventSchema,
  'recording.sealed': recordingSealedEventSchema,
  'case.opened': caseOpenedEventSchema,
  'case.packaged': casePackagedEventSchema,
  'notary.certified': notaryCertifiedEventSchema,
  'audit.completed': auditCompletedEventSchema,
  ...Object.fromEntries(CUSTODY_ACTIONS.map((action) => [`custody.${action}`, custodyEventSchema])),
};

export function parseLogEvent(value: unknown): LogEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('INVALID_EVENT', 'an event must be a JSON object');
  }
  const { version, type } = value as Record<string, unknown>;
  if (version !== EVENT_VERSION) throw new AppError('INVALID_EVENT', `unsupported event version ${JSON.stringify(version)}`);
  if (typeof type !== 'string' || type.length === 0) throw new AppError('INVALID_EVENT', 'an event needs a type');
  const schema = KNOWN_EVENTS[type];
  if (schema) {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new AppError('INVALID_EVENT', `invalid ${type} event: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
  }
  // The original object is returned, not zod's copy, so hashing sees exactly what was given.
  canonicalBytes(value);
  return value as LogEvent;
}

export function computeLeafHash(event: LogEvent): Hash {
  return hashLeaf(canonicalBytes(event));
}
