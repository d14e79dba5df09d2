/**
 * ChainAnchor over ethers 6 and standard JSON-RPC only, so the same code
 * drives the embedded anvil and a permissioned Besu/QBFT network.
 *
 * The connection is opened lazily and re-opened after a failed attempt, so a
 * service started while its node is down recovers when the node comes back;
 * every request is bounded by `timeoutMs` (see provider.ts for why ethers'
 * own network detection is bypassed).
 */
import { Contract, Interface, Wallet, getAddress, type JsonRpcProvider, type Log } from 'ethers';
import { parseAddress, signingKeyOf } from './keys';
import { AppError, type ErrorCode } from '../../core/errors';
import type { AnchorReceipt, ChainAnchor, ChainHead, ChainInfo } from '../../ports';
import { fromBytes32, fromUint64, toBytes32, toUint64 } from './abi-values';
import { chunkRange, findBlocksWithTimestamp, type BlockRange } from './block-search';
import { toChainError } from './chain-errors';
import { loadCustosLogArtifact } from './contract-artifact';
import { assertRpcUrl, connectProvider } from './provider';
import { redactRpcUrl } from './rpc-url';

export interface EthersChainAnchorOptions {
  rpcUrl: string;
  /** Address of the deployed CustosLog. */
  contract: string;
  /** 0x-prefixed private key holding ANCHORER_ROLE; without it the anchor is read-only. */
  signerKey?: string;
  /** Bound on each JSON-RPC request (default 5 s). */
  timeoutMs?: number;
  /** When set, a node on another chain is refused with CHAIN_MISMATCH. */
  expectedChainId?: number;
  /** How long anchorHead waits for its transaction to be mined (default 120 s). */
  confirmTimeoutMs?: number;
  pollingIntervalMs?: number;
  /** Block of the deployment: findAnchor never looks below it (default 0). */
  fromBlock?: number;
}

interface Connection {
  provider: JsonRpcProvider;
  chainId: number;
  contract: Contract;
  wallet: Wallet | null;
}

const DEFAULT_CONFIRM_TIMEOUT_MS = 120_000;

export function createEthersChainAnchor(options: EthersChainAnchorOptions): ChainAnchor {
  const { rpcUrl } = options;
  assertRpcUrl(rpcUrl);
  const address = parseAddress(options.contract, 'the CustosLog contract address');
  const signingKey = options.signerKey === undefined ? null : signingKeyOf(options.signerKey, 'the chain signer key');
  const iface = Interface.from(loadCustosLogArtifact().abi);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const fromBlock = options.fromBlock ?? 0;

  let connection: Promise<Connection> | null = null;
  let closed = false;
  // anchorHead calls run one at a time: the wallet picks nonces from the node,
  // and heads must reach the contract in increasing order anyway.
  let anchorQueue: Promise<unknown> = Promise.resolve();

  async function open(): Promise<Connection> {
    const { provider, chainId } = await connectProvider(options);
    try {
      if (options.expectedChainId !== undefined && options.expectedChainId !== chainId) {
        throw new AppError('CHAIN_MISMATCH', `the node is on chain ${chainId}, expected ${options.expectedChainId}`, {
          details: { chainId, expectedChainId: options.expectedChainId, rpcUrl: redactRpcUrl(rpcUrl) },
        });
      }
      const code = await provider.getCode(address);
      if (code === '0x') {
        throw new AppError('CHAIN_MISMATCH', `no contract code at ${address} on chain ${chainId}`, {
          details: { chainId, contract: address, rpcUrl: redactRpcUrl(rpcUrl) },
        });
      }
      const wallet = signingKey ? new Wallet(signingKey, provider) : null;
      return { provider, chainId, wallet, contract: new Contract(address, iface, wallet ?? provider) };
    } catch (error) {
      provider.destroy();
      throw error;
    }
  }

  function connect(): Promise<Connection> {
    if (closed) return Promise.reject(new AppError('CHAIN_UNAVAILABLE', 'the chain anchor is closed'));
    connection ??= open().catch((error: unknown) => {
      connection = null; // the next call tries again
      throw error;
    });
    return connection;
  }

  /** Runs `fn` on the connection and maps whatever it throws to an AppError. */
  async function run<T>(operation: string, fn: (c: Connection) => Promise<T>, extra: { revertCode?: ErrorCode; details?: Record<string, unknown> } = {}): Promise<T> {
    try {
      return await fn(await connect());
    } catch (error) {
      throw toChainError(error, { operation, rpcUrl, iface, ...extra });
    }
  }

  async function readHeadAt(c: Connection, treeSize: bigint): Promise<ChainHead | null> {
    const [rootHash, anchoredAt] = (await c.contract.getFunction('headAt').staticCall(treeSize)) as [string, bigint];
    // anchoredAt is block.timestamp, never 0 for a real anchor: 0 is the contract's "never anchored".
    if (anchoredAt === 0n) return null;
    return { treeSize: Number(treeSize), rootHash: fromBytes32(rootHash, 'rootHash'), anchoredAt: fromUint64(anchoredAt, 'anchoredAt') };
  }

  async function sendAnchor(c: Connection, treeSize: bigint, root: string, proof: string[]): Promise<AnchorReceipt> {
    if (!c.wallet) throw new AppError('CONFIG_INVALID', 'anchoring needs a signer key (the chain anchor is read-only)');
    const tx = await c.contract.getFunction('anchorHead').send(treeSize, root, proof);
    const receipt = await tx.wait(1, confirmTimeoutMs).catch(async (error: unknown) => {
      const reverted = (error as { receipt?: { blockNumber: number } }).receipt;
      if (!reverted) throw error;
      // Mined but reverted after a successful gas estimate (another transaction got
      // in first). The receipt holds no reason: replay the call to decode it.
      await c.provider.call({ to: tx.to, from: tx.from, data: tx.data, blockTag: reverted.blockNumber });
      throw new AppError('ANCHOR_REJECTED', `anchorHead reverted on chain in transaction ${tx.hash}; replaying it no longer reverts`, {
        details: { error: null, txHash: tx.hash },
      });
    });
    if (!receipt) throw new AppError('ANCHOR_REJECTED', `transaction ${tx.hash} was dropped`, { details: { error: null, txHash: tx.hash } });
    const anchoredAt = anchoredAtFromLogs(receipt.logs, treeSize) ?? (await readHeadAt(c, treeSize))?.anchoredAt ?? 0;
    return { txHash: receipt.hash, blockNumber: receipt.blockNumber, anchoredAt };
  }

  /** A transaction other than anchorHead (cosign, grant): sent, mined, or rejected with the contract's decoded error. */
  async function sendAndWait(c: Connection, fn: string, args: unknown[]) {
    if (!c.wallet) throw new AppError('CONFIG_INVALID', `${fn} needs a signer key (the chain connection is read-only)`);
    const tx = await c.contract.getFunction(fn).send(...args);
    const receipt = await tx.wait(1, confirmTimeoutMs);
    if (!receipt) throw new AppError('ANCHOR_REJECTED', `transaction ${tx.hash} was dropped`, { details: { error: null, txHash: tx.hash } });
    return receipt;
  }

  function anchoredAtFromLogs(logs: readonly Log[], treeSize: bigint): number | null {
    for (const log of logs) {
      if (getAddress(log.address) !== address) continue;
      const parsed = iface.parseLog(log);
      if (parsed?.name === 'TreeHeadAnchored' && parsed.args[0] === treeSize) return fromUint64(parsed.args[2], 'anchoredAt');
    }
    return null;
  }

  async function searchAnchorLogs(c: Connection, head: ChainHead, range: BlockRange): Promise<AnchorReceipt | null> {
    const filter = c.contract.filters.TreeHeadAnchored(BigInt(head.treeSize));
    for (const chunk of chunkRange(range)) {
      const logs = await c.contract.queryFilter(filter, chunk.fromBlock, chunk.toBlock);
      for (const log of logs) {
        const parsed = iface.parseLog(log);
        if (parsed && fromBytes32(parsed.args[1], 'rootHash') === head.rootHash) {
          return { txHash: log.transactionHash, blockNumber: log.blockNumber, anchoredAt: fromUint64(parsed.args[2], 'anchoredAt') };
        }
      }
    }
    return null;
  }

  return {
    async info(): Promise<ChainInfo> {
      const c = await run('info', async (conn) => conn);
      return { chainId: c.chainId, contract: address, rpcUrl: redactRpcUrl(rpcUrl) };
    },

    async latestHead(): Promise<ChainHead> {
      return run('latestHead', async (c) => {
        const [treeSize, rootHash, anchoredAt] = (await c.contract.getFunction('latestHead').staticCall()) as [bigint, string, bigint];
        return {
          treeSize: fromUint64(treeSize, 'treeSize'),
          rootHash: fromBytes32(rootHash, 'rootHash'),
          anchoredAt: fromUint64(anchoredAt, 'anchoredAt'),
        };
      });
    },

    // async so that an invalid argument rejects instead of throwing synchronously.
    async headAt(treeSize: number): Promise<ChainHead | null> {
      const size = toUint64(treeSize, 'treeSize');
      return run(`headAt(treeSize=${treeSize})`, (c) => readHeadAt(c, size));
    },

    async anchorHead(treeSize: number, rootHash: string, consistencyProof: string[]): Promise<AnchorReceipt> {
      const size = toUint64(treeSize, 'treeSize');
      const root = toBytes32(rootHash, 'rootHash');
      const proof = consistencyProof.map((hash, i) => toBytes32(hash, `consistencyProof[${i}]`));
      const operation = `anchorHead(treeSize=${treeSize})`;
      const result = anchorQueue.then(() =>
        run(operation, (c) => sendAnchor(c, size, root, proof), { revertCode: 'ANCHOR_REJECTED', details: { treeSize } }),
      );
      anchorQueue = result.catch(() => undefined);
      return result;
    },

    async findAnchor(treeSize: number, blockHint?: number): Promise<AnchorReceipt | null> {
      const size = toUint64(treeSize, 'treeSize');
      return run(`findAnchor(treeSize=${treeSize})`, async (c) => {
        // headAt first: a size never anchored costs one call, and its timestamp locates the block.
        const head = await readHeadAt(c, size);
        if (!head) return null;
        const latest = await c.provider.getBlockNumber();
        // A hint (e.g. a bundle's blockNumber) is only where to look first: what is
        // found there must still be the event for this size and the chain's root.
        if (blockHint !== undefined && Number.isSafeInteger(blockHint) && blockHint >= fromBlock && blockHint <= latest) {
          const found = await searchAnchorLogs(c, head, { fromBlock: blockHint, toBlock: blockHint });
          if (found) return found;
        }
        const whole = { fromBlock: fromBlock, toBlock: latest };
        const blocks = await findBlocksWithTimestamp(c.provider, head.anchoredAt, whole);
        // A contract whose anchoredAt is not a block timestamp would defeat the search: scan everything.
        return (blocks && (await searchAnchorLogs(c, head, blocks))) ?? (await searchAnchorLogs(c, head, whole));
      });
    },

    async verifyInclusion(leafHash: string, leafIndex: number, treeSize: number, proof: string[]): Promise<boolean> {
      const args = [
        toBytes32(leafHash, 'leafHash'),
        toUint64(leafIndex, 'leafIndex'),
        toUint64(treeSize, 'treeSize'),
        proof.map((hash, i) => toBytes32(hash, `proof[${i}]`)),
      ];
      return run(`verifyInclusion(leafIndex=${leafIndex}, treeSize=${treeSize})`, async (c) =>
        Boolean(await c.contract.getFunction('verifyInclusion').staticCall(...args)),
      );
    },

    async cosignedAt(treeSize: number, notary: string): Promise<number> {
      const size = toUint64(treeSize, 'treeSize');
      const account = parseAddress(notary, 'the notary address');
      return run(`cosignedAt(treeSize=${treeSize})`, async (c) => fromUint64(await c.contract.getFunction('cosignedAt').staticCall(size, account), 'cosignedAt'));
    },

    async isNotary(account: string): Promise<boolean> {
      const who = parseAddress(account, 'the account');
      return run('hasRole(NOTARY_ROLE)', async (c) => {
        const role = (await c.contract.getFunction('NOTARY_ROLE').staticCall()) as string;
        return Boolean(await c.contract.getFunction('hasRole').staticCall(role, who));
      });
    },

    async cosignHead(treeSize: number, rootHash: string): Promise<AnchorReceipt> {
      const size = toUint64(treeSize, 'treeSize');
      const root = toBytes32(rootHash, 'rootHash');
      return run(`cosignHead(treeSize=${treeSize})`, async (c) => {
        const receipt = await sendAndWait(c, 'cosignHead', [size, root]);
        const cosignedAt = await c.contract.getFunction('cosignedAt').staticCall(size, c.wallet!.address);
        return { txHash: receipt.hash, blockNumber: receipt.blockNumber, anchoredAt: fromUint64(cosignedAt, 'cosignedAt') };
      }, { revertCode: 'ANCHOR_REJECTED', details: { treeSize } });
    },

    async grantNotary(account: string, fundWei = 0n): Promise<{ txHash: string; fundedWei: bigint }> {
      const who = parseAddress(account, 'the notary address');
      return run('grantRole(NOTARY_ROLE)', async (c) => {
        const role = (await c.contract.getFunction('NOTARY_ROLE').staticCall()) as string;
        const txHash = (await sendAndWait(c, 'grantRole', [role, who])).hash;
        // Gas for the notary's cosignatures, on chains that charge for gas (a QBFT network may not).
        if (fundWei === 0n || (await c.provider.getBalance(who)) > 0n || (await c.provider.getBalance(c.wallet!.address)) < fundWei * 2n) return { txHash, fundedWei: 0n };
        const transfer = await c.wallet!.sendTransaction({ to: who, value: fundWei });
        await transfer.wait(1, confirmTimeoutMs);
        return { txHash, fundedWei: fundWei };
      }, { revertCode: 'ANCHOR_REJECTED' });
    },

    async close(): Promise<void> {
      closed = true;
      const pending = connection;
      connection = null;
      const c = pending ? await pending.catch(() => null) : null;
      c?.provider.destroy();
    },
  };
}
