import { deployCustosLog } from '../../adapters/chain/deploy';
import { parseAddress, readPrivateKeyFile } from '../../adapters/chain/keys';
import { redactRpcUrl } from '../../adapters/chain/rpc-url';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';

export const DEPLOY_HELP = `Usage: custos deploy --rpc <url> --key <file> [--anchorer <address>] [--admin <address>]

Deploys the CustosLog anchoring contract to any EVM chain (e.g. a permissioned
Besu/QBFT network) and grants the anchorer role. Then run the service with
CUSTOS_CHAIN_RPC_URL, CUSTOS_CHAIN_CONTRACT and CUSTOS_ANCHORER_KEY_FILE.

Options:
  --rpc URL           JSON-RPC endpoint
  --key FILE          file holding the deployer's hex private key
  --anchorer ADDRESS  account allowed to anchor (default: the deployer)
  --admin ADDRESS     role admin (default: the deployer)`;

export async function deployCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { rpc: { type: 'string' }, key: { type: 'string' }, anchorer: { type: 'string' }, admin: { type: 'string' } });
  if (values.help) {
    console.log(DEPLOY_HELP);
    return 0;
  }
  if (!values.rpc) throw new UsageError('--rpc <url> is required');
  if (!values.key) throw new UsageError('--key <file> is required');
  // Everything checked before the chain is touched.
  const signerKey = readPrivateKeyFile(values.key);
  const anchorer = values.anchorer === undefined ? undefined : parseAddress(values.anchorer, '--anchorer');
  const admin = values.admin === undefined ? undefined : parseAddress(values.admin, '--admin');
  const deployed = await deployCustosLog({ rpcUrl: values.rpc, signerKey, ...(anchorer ? { anchorer } : {}), ...(admin ? { admin } : {}) });
  console.log(JSON.stringify({ ...deployed, rpcUrl: redactRpcUrl(values.rpc) }, null, 2));
  console.error(`deployed; now: CUSTOS_CHAIN_RPC_URL=<url> CUSTOS_CHAIN_CONTRACT=${deployed.contract} CUSTOS_ANCHORER_KEY_FILE=<key file> custos serve`);
  return 0;
}
