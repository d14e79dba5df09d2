import { mkdirSync } from 'node:fs';
import { loadConfig } from '../../config';
import { openDatabase } from '../../adapters/db/database';
import { ROLES, TokenStore, isRole } from '../../adapters/db/token-store';
import { dataPaths } from '../../runtime';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';

export const TOKEN_HELP = `Usage: custos token create --role ROLE --name NAME [--data-dir DIR]

Mints a bearer token and prints it on stdout (only once: it is stored hashed).
Works while the service runs.

Roles: ${ROLES.join(', ')}
Options:
  --role ROLE     the token's role
  --name NAME     who or what holds it (e.g. "dock-station-3", "officer 0421")
  --data-dir DIR  data directory (env CUSTOS_DATA_DIR, default ./data)`;

export async function tokenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { role: { type: 'string' }, name: { type: 'string' }, 'data-dir': { type: 'string' } }, true);
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
    const { secret, token } = new TokenStore(db).create(name, values.role);
    console.error(`created ${token.role} token ${token.id} for "${token.name}"`);
    console.log(secret);
  } finally {
    db.close();
  }
  return 0;
}
