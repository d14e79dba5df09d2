/**
 * The device keys a dock signs with. The server binds one Ed25519 key to one
 * device id, and checks a signature against the key of `metadata.deviceId`;
 * so a dock that serves one recorder gives `--key device.key`, and a dock that
 * serves several holds their keys in a directory, one `<deviceId>.key` each.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WatchError } from './errors';

/** The PEM private key for a device id; throws DEVICE_KEY_MISSING when this dock has none for it. */
export type DeviceKeys = (deviceId: string) => string;

/** A device id usable as a file name: no separators, no `..`, nothing hidden. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function loadDeviceKeys(path: string): DeviceKeys {
  if (!statSync(path).isDirectory()) {
    const pem = readFileSync(path, 'utf8');
    return () => pem;
  }
  const cache = new Map<string, string>();
  return (deviceId) => {
    const known = cache.get(deviceId);
    if (known !== undefined) return known;
    if (!SAFE_ID.test(deviceId) || deviceId.includes('..')) {
      throw new WatchError('DEVICE_KEY_MISSING', `device id "${deviceId}" cannot name a key file in ${path}`);
    }
    let pem: string;
    try {
      pem = readFileSync(join(path, `${deviceId}.key`), 'utf8');
    } catch (cause) {
      throw new WatchError('DEVICE_KEY_MISSING', `no key for device ${deviceId}: ${join(path, `${deviceId}.key`)} cannot be read`, { cause });
    }
    cache.set(deviceId, pem);
    return pem;
  };
}
