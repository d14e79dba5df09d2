/**
 * The service's default chain: an anvil child process with CustosLog deployed
 * on it, all kept in one directory:
 *   anvil-state.json   chain state (anvil-process.ts)
 *   anchorer.key       the anchoring key, generated on first start (mode 0600)
 *   deployment.json    {chainId, contract, txHash, blockNumber, deployedAt}
 *
 * After a SIGKILL anvil may come back with state older than deployment.json
 * (up to a second of history lost), possibly without the contract at all. Then
 * the contract is deployed again and `redeployed` tells the caller to re-anchor
 * its whole history; when only some heads were lost, the caller's start-up
 * reconciliation (latestHead vs. its own records) covers it.
 */
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Wallet, getAddress, isAddress, parseEther, toQuantity } from 'ethers';
import { startAnvil } from './anvil-process';
import { toChainError } from './chain-errors';
import { deployCustosLog } from './deploy';
import { connectProvider } from './provider';
import { readPrivateKeyFile } from './keys';

export const KEY_FILE = 'anchorer.key';
export const DEPLOYMENT_FILE = 'deployment.json';
/** Topped up at every start with anvil_setBalance: anchoring never runs dry. */
const ANCHORER_BALANCE = parseEther('1000');

export interface EmbeddedChainOptions {
  directory: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  chainId?: number;
}

export interface EmbeddedChain {
  rpcUrl: string;
  /** Checksummed CustosLog address. */
  contract: string;
  /** 0x-prefixed private key holding ANCHORER_ROLE (and the admin role). */
  signerKey: string;
  chainId: number;
  /** Block of the deployment, a lower bound for log searches. */
  deploymentBlock: number;
  /** A recorded deployment was lost (or unusable) and a new contract was deployed: re-anchor everything. */
  redeployed: boolean;
  stop(): Promise<void>;
}

export interface DeploymentRecord {
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  deployedAt: string;
}

export async function startEmbeddedChain(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
  const directory = resolve(options.directory);
  const anvil = await startAnvil({ directory, port: options.port, host: options.host, chainId: options.chainId });
  try {
    const { key, created } = loadOrCreateKey(join(directory, KEY_FILE));
    const address = new Wallet(key).address;
    const { provider, chainId } = await connectProvider({ rpcUrl: anvil.rpcUrl });
    let recorded: DeploymentRecord | null;
    let hasCode: boolean;
    try {
      await provider.send('anvil_setBalance', [address, toQuantity(ANCHORER_BALANCE)]);
      recorded = readDeployment(join(directory, DEPLOYMENT_FILE));
      hasCode = recorded !== null && recorded.chainId === chainId && (await provider.getCode(recorded.contract)) !== '0x';
    } catch (error) {
      throw toChainError(error, { operation: 'startEmbeddedChain', rpcUrl: anvil.rpcUrl });
    } finally {
      provider.destroy();
    }

    // A freshly generated key holds no role on an existing contract: that contract is unusable to us.
    if (recorded && hasCode && !created) {
      return { rpcUrl: anvil.rpcUrl, contract: recorded.contract, signerKey: key, chainId, deploymentBlock: recorded.blockNumber, redeployed: false, stop: anvil.stop };
    }
    const deployment = await deployCustosLog({ rpcUrl: anvil.rpcUrl, signerKey: key });
    writeJsonAtomically(join(directory, DEPLOYMENT_FILE), { ...deployment, deployedAt: new Date().toISOString() } satisfies DeploymentRecord);
    return {
      rpcUrl: anvil.rpcUrl,
      contract: deployment.contract,
      signerKey: key,
      chainId,
      deploymentBlock: deployment.blockNumber,
      redeployed: recorded !== null,
      stop: anvil.stop,
    };
  } catch (error) {
    await anvil.stop().catch(() => undefined);
    throw error;
  }
}

/** The anchorer key, generated on first use. Never logged, never echoed in errors. */
function loadOrCreateKey(path: string): { key: string; created: boolean } {
  if (existsSync(path)) {
    // Group/other access to a private key is a leak waiting to happen; we own the file, so narrow it.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    // A bad key is not overwritten: an operator may have put one there on purpose and mistyped it.
    return { key: readPrivateKeyFile(path), created: false };
  }
  const key = Wallet.createRandom().privateKey;
  writeAtomically(path, `${key}\n`, 0o600);
  return { key, created: true };
}

/** The deployment recorded in an embedded chain's directory, or null if there is none (or it is torn). */
export function readDeployment(path: string): DeploymentRecord | null {
  let parsed: Partial<DeploymentRecord>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DeploymentRecord>;
  } catch {
    return null; // missing or torn: deploy again
  }
  const { chainId, contract, txHash, blockNumber, deployedAt } = parsed;
  if (typeof chainId !== 'number' || typeof contract !== 'string' || !isAddress(contract) || typeof blockNumber !== 'number') return null;
  return { chainId, contract: getAddress(contract), txHash: String(txHash), blockNumber, deployedAt: String(deployedAt) };
}

function writeJsonAtomically(path: string, value: unknown): void {
  writeAtomically(path, `${JSON.stringify(value, null, 2)}\n`, 0o644);
}

/** Write then rename: a crash leaves the old file or the new one, never half of one. */
function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.tmp-${process.pid}`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  renameSync(temporary, path);
}
