/** A recorder's device key for tests: made as `custos-recorder keygen` does, registered through the API. */
import { generateDeviceKey, signAsDevice } from '../../server/core/device-signature';
import { postJson, reprDigestOf, sampleMetadata, sha256Hex } from './server';

export interface TestDevice {
  deviceId: string;
  privateKeyPem: string;
  publicKey: string;
}

export async function registerTestDevice(url: string, adminToken: string, deviceId: string): Promise<TestDevice> {
  const { privateKeyPem, publicKey } = generateDeviceKey();
  const res = await postJson(`${url}/v1/devices`, { deviceId, publicKey }, adminToken);
  if (res.status !== 201) throw new Error(`registering ${deviceId} failed: ${JSON.stringify(res.body)}`);
  return { deviceId, privateKeyPem, publicKey };
}

/** Upload options for `upload()` with this device's signature over (sha256, metadata). */
export function signedUpload(device: TestDevice, bytes: Uint8Array, token: string, overrides: Record<string, unknown> = {}) {
  const metadata = sampleMetadata({ deviceId: device.deviceId, ...overrides });
  return {
    token,
    metadata,
    reprDigest: reprDigestOf(bytes),
    headers: { 'custos-device-signature': signAsDevice(device.privateKeyPem, sha256Hex(bytes), metadata) },
  };
}
