/**
 * Device registry events. A device's key is trusted because its registration
 * is itself in the log (and anchored): a verifier can prove which key was
 * registered for a device, by whom and when, and whether it was revoked.
 */
import { z } from 'zod';
import { actorSchema } from './actor';
import { DEVICE_KEY_ALGORITHM } from './device-signature';

const deviceId = z.string().min(1).max(128);
const isoDateTime = z.iso.datetime({ offset: true });

export const deviceRegisteredEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('device.registered'),
    deviceId,
    algorithm: z.literal(DEVICE_KEY_ALGORITHM),
    publicKey: z.string().length(44),
    keyId: z.string().length(16),
    description: z.string().max(500).optional(),
    registeredBy: actorSchema,
    registeredAt: isoDateTime,
  })
  .strict();

export type DeviceRegisteredEvent = z.infer<typeof deviceRegisteredEventSchema>;

export const deviceRevokedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('device.revoked'),
    deviceId,
    keyId: z.string().length(16),
    reason: z.string().max(500).optional(),
    revokedBy: actorSchema,
    revokedAt: isoDateTime,
  })
  .strict();

export type DeviceRevokedEvent = z.infer<typeof deviceRevokedEventSchema>;
