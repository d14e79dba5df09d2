import { expect } from 'chai';
import { createPublicKey, verify } from 'node:crypto';
import { generateDeviceKey, keyId, publicKeyObject, signAsDevice, signedPayload, verifyDeviceSignature } from '../../server/core/device-signature';
import { isAppError } from '../../server/core/errors';

describe('device signatures (Ed25519 over JCS {context, sha256, metadata})', () => {
  const sha256 = 'a'.repeat(64);
  const metadata = { deviceId: 'BWC-0042', officerId: 'officer-0421', recordedAt: '2026-11-20T09:30:00+08:00', note: '执法记录仪' };
  const { privateKeyPem, publicKey } = generateDeviceKey();

  it('signs the canonical payload: key order in the metadata does not matter, the context is part of it', () => {
    const reordered = { recordedAt: metadata.recordedAt, note: metadata.note, officerId: metadata.officerId, deviceId: metadata.deviceId };
    expect(Buffer.from(signedPayload(sha256, reordered)).toString()).to.equal(Buffer.from(signedPayload(sha256, metadata)).toString());
    expect(Buffer.from(signedPayload(sha256, metadata)).toString()).to.match(/^\{"context":"custos\.device-signature\/v1","metadata":\{"deviceId":"BWC-0042",/);
  });

  it('a signature verifies with the device key, and with any standard Ed25519 implementation', () => {
    const value = signAsDevice(privateKeyPem, sha256, metadata);
    expect(verifyDeviceSignature({ publicKey, value }, sha256, metadata)).to.equal(true);
    // The public key as SPKI for a plain crypto.verify: nothing Custos-specific in the format.
    const spki = createPublicKey(publicKeyObject(publicKey).export({ format: 'pem', type: 'spki' }));
    expect(verify(null, signedPayload(sha256, metadata), spki, Buffer.from(value, 'base64'))).to.equal(true);
  });

  it('fails for another hash, other metadata, another key or a damaged signature (false, never a throw)', () => {
    const value = signAsDevice(privateKeyPem, sha256, metadata);
    expect(verifyDeviceSignature({ publicKey, value }, 'b'.repeat(64), metadata)).to.equal(false);
    expect(verifyDeviceSignature({ publicKey, value }, sha256, { ...metadata, officerId: 'x' })).to.equal(false);
    expect(verifyDeviceSignature({ publicKey: generateDeviceKey().publicKey, value }, sha256, metadata)).to.equal(false);
    const damaged = Buffer.from(value, 'base64');
    damaged[10] ^= 1;
    expect(verifyDeviceSignature({ publicKey, value: damaged.toString('base64') }, sha256, metadata)).to.equal(false);
    expect(verifyDeviceSignature({ publicKey: 'short', value }, sha256, metadata)).to.equal(false);
  });

  it('refuses a public key that is not 32 bytes, with INVALID_DEVICE_KEY', () => {
    let error: unknown;
    try {
      publicKeyObject(Buffer.alloc(31).toString('base64'));
    } catch (e) {
      error = e;
    }
    expect(isAppError(error, 'INVALID_DEVICE_KEY')).to.equal(true);
    expect(keyId(publicKey)).to.match(/^[0-9a-f]{16}$/);
  });
});
