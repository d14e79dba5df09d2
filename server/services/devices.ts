/**
 * The device registry and the signature check on uploads. Registering and
 * revoking a device are logged events, written with the registry row in one
 * transaction, so the key that a signature is checked against is itself
 * provable from the log.
 */
import { AppError } from '../core/errors';
import { EVENT_VERSION, type Actor } from '../core/events';
import { DEVICE_KEY_ALGORITHM, keyId, publicKeyObject, verifyDeviceSignature, type DeviceSignature } from '../core/device-signature';
import type { DeviceRegisteredEvent, DeviceRevokedEvent } from '../core/device-events';
import type { EvidenceMetadata } from '../core/evidence-metadata';
import type { Db } from '../adapters/db/database';
import type { DeviceRecord, DeviceStore } from '../adapters/db/device-store';
import type { LogStore } from '../adapters/db/log-store';

const DEVICE_ID = /^\S(.{0,126}\S)?$/;

export interface DeviceRegistryComponents {
  db: Db;
  log: LogStore;
  devices: DeviceStore;
  now?: () => Date;
}

export function createDeviceRegistry({ db, log, devices, now = () => new Date() }: DeviceRegistryComponents) {
  const register = db.transaction((event: DeviceRegisteredEvent): DeviceRecord => {
    if (devices.byId(event.deviceId)) throw new AppError('DEVICE_EXISTS', `device ${event.deviceId} is already registered (revoke it and register the new key under a new id)`);
    if (devices.byPublicKey(event.publicKey)) throw new AppError('DEVICE_EXISTS', 'this public key is already registered for another device');
    const { leafIndex } = log.append(event, event.registeredAt);
    devices.insert({ deviceId: event.deviceId, publicKey: event.publicKey, keyId: event.keyId, description: event.description ?? null, registeredAt: event.registeredAt, leafIndex });
    return devices.byId(event.deviceId)!;
  });

  const revoke = db.transaction((event: DeviceRevokedEvent): DeviceRecord => {
    const device = devices.byId(event.deviceId);
    if (!device) throw new AppError('DEVICE_NOT_FOUND', `no device ${event.deviceId} is registered`);
    if (device.revokedAt) return device; // revoking twice changes nothing and logs nothing
    const { leafIndex } = log.append({ ...event, keyId: device.keyId }, event.revokedAt);
    devices.revoke(event.deviceId, event.revokedAt, leafIndex);
    return devices.byId(event.deviceId)!;
  });

  return {
    register(deviceId: string, publicKey: string, actor: Actor, description?: string): DeviceRecord {
      if (!DEVICE_ID.test(deviceId)) throw new AppError('BAD_REQUEST', 'a device id is 1–128 characters, without leading or trailing spaces');
      publicKeyObject(publicKey); // refuses anything that is not an Ed25519 public key
      return register({
        version: EVENT_VERSION,
        type: 'device.registered',
        deviceId,
        algorithm: DEVICE_KEY_ALGORITHM,
        publicKey,
        keyId: keyId(publicKey),
        ...(description ? { description } : {}),
        registeredBy: actor,
        registeredAt: now().toISOString(),
      });
    },
    revoke(deviceId: string, actor: Actor, reason?: string): DeviceRecord {
      return revoke({
        version: EVENT_VERSION,
        type: 'device.revoked',
        deviceId,
        keyId: '0'.repeat(16), // replaced by the registered key's id inside the transaction
        ...(reason ? { reason } : {}),
        revokedBy: actor,
        revokedAt: now().toISOString(),
      });
    },
  };
}

export type DeviceRegistry = ReturnType<typeof createDeviceRegistry>;

export interface SignedUpload {
  metadata: EvidenceMetadata;
  /** The SHA-256 the client declared (Repr-Digest or tus `sha256`); the bytes are checked against it later. */
  declaredSha256?: string;
  /** Base64 Ed25519 signature, as sent. */
  deviceSignature?: string;
  uploader: Actor;
}

/**
 * Decides, before a byte of the body is read, whether an upload's device
 * signature is acceptable: returns the signature to log, undefined for an
 * accepted unsigned upload, or throws 403 with a precise code.
 */
export function checkDeviceSignature(devices: DeviceStore, requiredForRoles: readonly string[], upload: SignedUpload): DeviceSignature | undefined {
  if (upload.deviceSignature !== undefined && upload.declaredSha256 === undefined) {
    throw new AppError('SIGNATURE_NEEDS_DIGEST', 'a device signature covers the file’s SHA-256: send it too (Repr-Digest, or tus metadata sha256)');
  }
  return checkSignedStatement(devices, requiredForRoles, {
    deviceId: upload.metadata.deviceId,
    sha256: upload.declaredSha256 ?? '',
    metadata: upload.metadata,
    deviceSignature: upload.deviceSignature,
    uploader: upload.uploader,
  });
}

export interface SignedStatement {
  deviceId: string;
  sha256: string;
  /** Exactly what the device signed with the hash (see core/device-signature.ts). */
  metadata: unknown;
  deviceSignature?: string;
  uploader: Actor;
}

/** The check shared by uploads, live segments and seals: registered, not revoked, and a valid signature. */
export function checkSignedStatement(devices: DeviceStore, requiredForRoles: readonly string[], statement: SignedStatement): DeviceSignature | undefined {
  if (statement.deviceSignature === undefined) {
    if (requiredForRoles.includes(statement.uploader.role)) {
      throw new AppError('DEVICE_SIGNATURE_REQUIRED', `uploads with a ${statement.uploader.role} token must be signed by a registered device (Custos-Device-Signature)`);
    }
    return undefined;
  }
  const { deviceId } = statement;
  const device = devices.byId(deviceId);
  if (!device) throw new AppError('DEVICE_NOT_REGISTERED', `device ${deviceId} is not registered (custos device register)`);
  if (device.revokedAt) throw new AppError('DEVICE_REVOKED', `device ${deviceId} was revoked on ${device.revokedAt}`);
  const signature: DeviceSignature = { algorithm: DEVICE_KEY_ALGORITHM, publicKey: device.publicKey, value: statement.deviceSignature };
  if (!/^[A-Za-z0-9+/]{86}==$/.test(statement.deviceSignature) || !verifyDeviceSignature(signature, statement.sha256, statement.metadata)) {
    throw new AppError('DEVICE_SIGNATURE_INVALID', `the signature is not device ${deviceId}'s over this sha256 and metadata`);
  }
  return signature;
}

/** A device as the API and the CLI show it. */
export function deviceView(device: DeviceRecord) {
  return {
    deviceId: device.deviceId,
    algorithm: 'ed25519',
    publicKey: device.publicKey,
    keyId: device.keyId,
    ...(device.description ? { description: device.description } : {}),
    registeredAt: device.registeredAt,
    registrationLeaf: device.leafIndex,
    status: device.revokedAt ? 'revoked' : 'active',
    ...(device.revokedAt ? { revokedAt: device.revokedAt, revocationLeaf: device.revokedLeaf } : {}),
  };
}
