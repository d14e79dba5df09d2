/**
 * Device signatures: a recorder signs what it recorded at the source, before
 * the bytes leave it, so the log can prove origin and not only arrival.
 *
 * Ed25519 (RFC 8032): deterministic (no nonce to get wrong on a small
 * device), 32-byte keys and 64-byte signatures, in Node's crypto without any
 * dependency, and checkable with any standard library. secp256k1 would tie
 * device keys to chain accounts, which they are not.
 *
 * What is signed: the JCS canonical JSON of
 *   {"context": "custos.device-signature/v1", "sha256": <file hash>, "metadata": <Custos-Metadata>}
 * The context keeps a device signature from being valid as anything else.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AppError } from './errors';
import { canonicalBytes } from './jcs';

export const DEVICE_SIGNATURE_CONTEXT = 'custos.device-signature/v1';
export const DEVICE_KEY_ALGORITHM = 'ed25519';

/** SPKI DER header of an Ed25519 public key (RFC 8410); the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const deviceSignatureSchema = z
  .object({
    algorithm: z.literal(DEVICE_KEY_ALGORITHM),
    /** The device's public key, raw 32 bytes, base64. */
    publicKey: z.string().regex(BASE64).length(44),
    /** 64 bytes, base64. */
    value: z.string().regex(BASE64).length(88),
  })
  .strict();

export type DeviceSignature = z.infer<typeof deviceSignatureSchema>;

/** The exact bytes a device signs for a recording (or a segment) with this hash and metadata. */
export function signedPayload(sha256: string, metadata: unknown): Uint8Array {
  return canonicalBytes({ context: DEVICE_SIGNATURE_CONTEXT, sha256, metadata });
}

/** A stable id for a public key: SHA-256 of its raw bytes, hex, first 16 characters. */
export function keyId(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex').slice(0, 16);
}

export function publicKeyObject(publicKeyBase64: string): KeyObject {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (!BASE64.test(publicKeyBase64) || raw.length !== 32) {
    throw new AppError('INVALID_DEVICE_KEY', 'a device public key is 32 bytes (Ed25519), base64-encoded');
  }
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Checks a device signature; never throws for a bad signature or key (false). */
export function verifyDeviceSignature(signature: Pick<DeviceSignature, 'publicKey' | 'value'>, sha256: string, metadata: unknown): boolean {
  try {
    const value = Buffer.from(signature.value, 'base64');
    if (value.length !== 64) return false;
    return verify(null, signedPayload(sha256, metadata), publicKeyObject(signature.publicKey), value);
  } catch {
    return false;
  }
}

/** Signs as a device. `privateKeyPem` is the PKCS#8 PEM written by `custos-recorder keygen`. */
export function signAsDevice(privateKeyPem: string, sha256: string, metadata: unknown): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== DEVICE_KEY_ALGORITHM) throw new AppError('INVALID_DEVICE_KEY', `a device key must be ${DEVICE_KEY_ALGORITHM}, not ${key.asymmetricKeyType}`);
  return sign(null, signedPayload(sha256, metadata), key).toString('base64');
}

/** The raw public key (base64) of a device's private key. */
export function publicKeyOf(privateKeyPem: string): string {
  const der = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'der', type: 'spki' });
  return der.subarray(ED25519_SPKI_PREFIX.length).toString('base64');
}

export function generateDeviceKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKeyPem, publicKey: publicKeyOf(privateKeyPem) };
}
