/**
 * Locating the block of an anchor from its timestamp, with standard JSON-RPC
 * only. A single eth_getLogs from block 0 to latest is refused by many nodes
 * on a long chain (Besu's --rpc-max-logs-range defaults to 5000 blocks), but
 * the contract stores block.timestamp with each head, and block timestamps
 * never decrease, so a binary search over eth_getBlockByNumber narrows the
 * scan to the few blocks that share that timestamp in O(log n) requests.
 */
import type { JsonRpcProvider } from 'ethers';
import { AppError } from '../../core/errors';

export interface BlockRange {
  fromBlock: number;
  toBlock: number;
}

/** Besu's default limit; every node we target accepts at least this. */
export const MAX_LOGS_RANGE = 5_000;

/** The inclusive range of blocks in [fromBlock, toBlock] whose timestamp equals `timestamp`, or null. */
export async function findBlocksWithTimestamp(provider: JsonRpcProvider, timestamp: number, range: BlockRange): Promise<BlockRange | null> {
  const cache = new Map<number, number>();
  const timestampOf = async (blockNumber: number): Promise<number> => {
    let value = cache.get(blockNumber);
    if (value === undefined) {
      const block = await provider.getBlock(blockNumber);
      if (!block) throw new AppError('CHAIN_MISMATCH', `block ${blockNumber} is missing below the chain head`);
      value = block.timestamp;
      cache.set(blockNumber, value);
    }
    return value;
  };
  // First block whose timestamp satisfies `pass`, or toBlock + 1.
  const firstWhere = async (pass: (t: number) => boolean): Promise<number> => {
    let low = range.fromBlock;
    let high = range.toBlock + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (pass(await timestampOf(middle))) high = middle;
      else low = middle + 1;
    }
    return low;
  };
  const first = await firstWhere((t) => t >= timestamp);
  const afterLast = await firstWhere((t) => t > timestamp);
  return first < afterLast ? { fromBlock: first, toBlock: afterLast - 1 } : null;
}

/** Splits a range into pieces a node accepts for eth_getLogs. */
export function chunkRange(range: BlockRange, size = MAX_LOGS_RANGE): BlockRange[] {
  const chunks: BlockRange[] = [];
  for (let from = range.fromBlock; from <= range.toBlock; from += size) {
    chunks.push({ fromBlock: from, toBlock: Math.min(from + size - 1, range.toBlock) });
  }
  return chunks;
}
