/**
 * `custos-recorder`: the body-camera / dock-station side. Exit codes as for
 * `custos`: 0 ok, 2 usage error, 3 failure (one readable line on stderr).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDeviceKey, keyId } from '../../server/core/device-signature';

const HELP = `Usage: custos-recorder <command> [options]

Commands:
  keygen   make this recorder's Ed25519 device key pair (an admin then registers
           the public key: custos device register --id <deviceId> --public-key <file>)

Run custos-recorder <command> --help for a command's options.`;

const KEYGEN_HELP = `Usage: custos-recorder keygen [--out DIR] [--force]

Writes DIR/device.key (the private key, PKCS#8 PEM, mode 0600: it never leaves
the recorder) and DIR/device.pub (the public key, base64, for the admin).

Options:
  --out DIR  where to write the keys (default: ./device-key)
  --force    replace an existing key pair (the old key can no longer sign)`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      console.log(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'keygen') return keygen(rest);
    throw new UsageError(`unknown command "${command}" (try custos-recorder --help)`);
  } catch (error) {
    const prefix = command && command !== '--help' ? `custos-recorder ${command}` : 'custos-recorder';
    console.error(`${prefix}: ${(error as Error).message}`);
    return error instanceof UsageError ? 2 : 3;
  }
}

function keygen(args: string[]): number {
  let values: { out?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(KEYGEN_HELP);
    return 0;
  }
  const dir = resolve(values.out ?? 'device-key');
  const keyFile = join(dir, 'device.key');
  const pubFile = join(dir, 'device.pub');
  if (existsSync(keyFile) && !values.force) throw new Error(`${keyFile} exists; give --force to replace it (the old key then stops working)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKeyPem, publicKey } = generateDeviceKey();
  writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
  writeFileSync(pubFile, publicKey + '\n');
  console.log(`private key  ${keyFile} (keep it on this recorder)`);
  console.log(`public key   ${publicKey}`);
  console.log(`key id       ${keyId(publicKey)}`);
  console.log(`register it: npx custos device register --id <deviceId> --public-key ${pubFile}`);
  return 0;
}
