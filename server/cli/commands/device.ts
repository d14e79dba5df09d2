import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../config';
import { openDatabase } from '../../adapters/db/database';
import { DeviceStore } from '../../adapters/db/device-store';
import { LogStore } from '../../adapters/db/log-store';
import { createDeviceRegistry, deviceView } from '../../services/devices';
import { dataPaths } from '../../runtime';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';

export const DEVICE_HELP = `Usage: custos device register --id DEVICE_ID --public-key FILE|BASE64 [--description TEXT] [--data-dir DIR]
       custos device revoke --id DEVICE_ID [--reason TEXT] [--data-dir DIR]
       custos device list [--data-dir DIR]

Registers a recorder's Ed25519 public key (from custos-recorder keygen), so
its signed uploads and segments are accepted; revokes it (its signatures are
refused from then on). Both are logged (device.registered, device.revoked) and
anchored like evidence. Works while the service runs; acts as the local admin.

Options:
  --id DEVICE_ID      the id the recorder puts in its metadata (deviceId)
  --public-key KEY    device.pub written by keygen, or the base64 key itself
  --data-dir DIR      data directory (env CUSTOS_DATA_DIR, default ./data)`;

const LOCAL_ADMIN = { tokenId: 'cli', name: 'local admin (custos device)', role: 'admin' };

export async function deviceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { id: { type: 'string' }, 'public-key': { type: 'string' }, description: { type: 'string' }, reason: { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  if (values.help) {
    console.log(DEVICE_HELP);
    return 0;
  }
  const action = positionals[0];
  if (positionals.length !== 1 || !['register', 'revoke', 'list'].includes(action)) throw new UsageError('usage: custos device register|revoke|list (see custos device --help)');
  if (action !== 'list' && !values.id) throw new UsageError('--id is required');
  if (action === 'register' && !values['public-key']) throw new UsageError('--public-key is required (the device.pub file from custos-recorder keygen)');

  const config = loadConfig(process.env, values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {});
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(dataPaths(config.dataDir).database);
  try {
    const devices = new DeviceStore(db);
    const registry = createDeviceRegistry({ db, log: new LogStore(db), devices });
    if (action === 'list') {
      for (const device of devices.all()) console.log(`${device.deviceId}\t${device.keyId}\t${device.revokedAt ? `revoked ${device.revokedAt}` : 'active'}`);
      return 0;
    }
    if (action === 'register') {
      const key = values['public-key']!;
      const publicKey = existsSync(key) ? readFileSync(key, 'utf8').trim() : key.trim();
      const device = registry.register(values.id!, publicKey, LOCAL_ADMIN, values.description);
      console.log(JSON.stringify(deviceView(device)));
      console.error(`registered device ${device.deviceId} (key ${device.keyId}), log leaf ${device.leafIndex}`);
      return 0;
    }
    const device = registry.revoke(values.id!, LOCAL_ADMIN, values.reason);
    console.log(JSON.stringify(deviceView(device)));
    console.error(`device ${device.deviceId} is revoked (since ${device.revokedAt})`);
    return 0;
  } finally {
    db.close();
  }
}
