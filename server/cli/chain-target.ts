/** Which chain and contract a CLI command talks to by default: the configured external chain, else the embedded one in the data directory. */
import { join } from 'node:path';
import { loadConfig } from '../config';
import { peekPidFile } from '../adapters/chain/anvil-pid-file';
import { DEPLOYMENT_FILE, KEY_FILE, readDeployment } from '../adapters/chain/embedded-chain';

/** The configured external chain, else the embedded chain recorded in the data directory. */
export function defaultRpcUrl(): string {
  const config = loadConfig(process.env);
  if (config.chain.rpcUrl) return config.chain.rpcUrl;
  const recorded = peekPidFile(join(config.dataDir, 'chain', 'anvil.pid'));
  return `http://127.0.0.1:${recorded?.port ?? config.chain.embeddedPort}`;
}

/** The contract of the configured chain: CUSTOS_CHAIN_CONTRACT, else the embedded chain's deployment. */
export function configuredContract(): string | undefined {
  const config = loadConfig(process.env);
  if (config.chain.rpcUrl) return config.chain.contract;
  return readDeployment(join(config.dataDir, 'chain', DEPLOYMENT_FILE))?.contract;
}

/** The operator's key (admin of the contract): CUSTOS_ANCHORER_KEY_FILE, else the embedded chain's key file. */
export function operatorKeyFile(): string {
  const config = loadConfig(process.env);
  return config.chain.anchorerKeyFile ?? join(config.dataDir, 'chain', KEY_FILE);
}
