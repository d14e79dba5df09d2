/**
 * Deploys CustosLog from the compiled artifact (standard JSON-RPC only, so it
 * serves the embedded anvil and an operator deploying to Besu alike).
 */
import { ContractFactory, Wallet, getAddress } from 'ethers';
import { parseAddress, signingKeyOf } from './keys';
import { AppError } from '../../core/errors';
import { toChainError } from './chain-errors';
import { loadCustosLogArtifact } from './contract-artifact';
import { connectProvider } from './provider';

export interface DeployCustosLogOptions {
  rpcUrl: string;
  /** 0x-prefixed private key paying for the deployment. */
  signerKey: string;
  /** Holder of DEFAULT_ADMIN_ROLE; defaults to the signer. */
  admin?: string;
  /** Holder of ANCHORER_ROLE; defaults to the signer. */
  anchorer?: string;
  timeoutMs?: number;
  /** How long to wait for the deployment to be mined (default 120 s). */
  confirmTimeoutMs?: number;
  pollingIntervalMs?: number;
}

export interface Deployment {
  /** Checksummed address. */
  contract: string;
  txHash: string;
  blockNumber: number;
  chainId: number;
}

export async function deployCustosLog(options: DeployCustosLogOptions): Promise<Deployment> {
  const { abi, bytecode } = loadCustosLogArtifact();
  const key = signingKeyOf(options.signerKey, 'the deployer key');
  const admin = options.admin === undefined ? undefined : parseAddress(options.admin, 'admin');
  const anchorer = options.anchorer === undefined ? undefined : parseAddress(options.anchorer, 'anchorer');
  const { provider, chainId } = await connectProvider(options);
  try {
    const wallet = new Wallet(key, provider);
    const factory = new ContractFactory(abi, bytecode, wallet);
    const contract = await factory.deploy(admin ?? wallet.address, anchorer ?? wallet.address);
    const tx = contract.deploymentTransaction();
    const receipt = await tx?.wait(1, options.confirmTimeoutMs ?? 120_000);
    if (!tx || !receipt || !receipt.contractAddress) {
      throw new AppError('CHAIN_UNAVAILABLE', 'the CustosLog deployment was not mined', { details: { chainId, txHash: tx?.hash ?? null } });
    }
    return { contract: getAddress(receipt.contractAddress), txHash: receipt.hash, blockNumber: receipt.blockNumber, chainId };
  } catch (error) {
    throw toChainError(error, { operation: 'deployCustosLog', rpcUrl: options.rpcUrl, revertCode: 'ANCHOR_REJECTED', details: { chainId } });
  } finally {
    provider.destroy();
  }
}
