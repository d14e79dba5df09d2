import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../config';
import { openDatabase } from '../../adapters/db/database';
import { ROLES, TokenStore, isRole } from '../../adapters/db/token-store';
import { dataPaths } from '../../runtime';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';

export const TOKEN_HELP = `Usage: custos token create --role ROLE --name NAME [--unit CODE] [--certificate NO] [--public-key FILE|BASE64] [--data-dir DIR]

Mints a bearer token and prints it on stdout (only once: it is stored hashed).
Works while the service runs.

Roles: ${ROLES.join(', ')}
Options:
  --role ROLE     the token's role
  --name NAME     who or what holds it (e.g. "dock-station-3", "officer 0421")
  --unit CODE     the holder's unit: its 9-digit department code (officers see their unit's cases)
  --public-key K  the holder's own Ed25519 public key (the .pub of custos-recorder keygen, or its base64):
                  review decisions are signed with the matching private key
  --certificate NO  an officer's law-enforcement certificate number (needed to open cases)
  --data-dir DIR  data directory (env CUSTOS_DATA_DIR, default ./data)`;

export async function tokenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { role: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' }, certificate: { type: 'string' }, 'public-key': { type: 'string' }, 'data-dir': { type: 'string' } }, true);
  if (values.help) {
    console.log(TOKEN_HELP);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length !== 1) throw new UsageError('usage: custos token create --role ROLE --name NAME (see custos token --help)');
  if (!values.role || !isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is required');
  const config = loadConfig(process.env, values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {});
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(dataPaths(config.dataDir).database);
  try {
    const key = values['public-key'];
    const publicKey = key === undefined ? undefined : existsSync(key) ? readFileSync(key, 'utf8').trim() : key.trim();
    const holder = {
      ...(values.unit !== undefined ? { unit: values.unit } : {}),
      ...(values.certificate !== undefined ? { certificate: values.certificate } : {}),
      ...(publicKey !== undefined ? { publicKey } : {}),
    };
    const { secret, token } = new TokenStore(db).create(name, values.role, new Date(), holder);
    console.error(`created ${token.role} token ${token.id} for "${token.name}"`);
    console.log(secret);
  } finally {
    db.close();
  }
  return 0;
}
