/**
 * Conversions at the contract boundary. Our API speaks lowercase 0x-less hex
 * for hashes and JavaScript numbers for sizes; the ABI speaks 0x bytes32 and
 * uint64 bigints. Input from our side is checked strictly (a bad value is a
 * caller bug); output from the chain that does not fit means the contract is
 * not what we expect.
 */
import { AppError } from '../../core/errors';
import { parseHash } from '../../core/hex';

const BYTES32_RE = /^0x[0-9a-fA-F]{64}$/;
const UINT64_MAX = (1n << 64n) - 1n;

export function toBytes32(hash: string, field: string): string {
  parseHash(hash, field);
  return `0x${hash}`;
}

export function fromBytes32(value: unknown, field: string): string {
  if (typeof value !== 'string' || !BYTES32_RE.test(value)) {
    throw new AppError('CHAIN_MISMATCH', `the contract returned a malformed ${field}`, { details: { field } });
  }
  return value.slice(2).toLowerCase();
}

/** Sizes and indices: non-negative safe integers (uint64 on chain, capped at 2^53 by our API). */
export function toUint64(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AppError('INVALID_TREE_SIZE', `${field} must be a non-negative safe integer, got ${value}`, { details: { field } });
  }
  return BigInt(value);
}

export function fromUint64(value: unknown, field: string): number {
  if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AppError('CHAIN_MISMATCH', `the contract returned an out-of-range ${field}`, { details: { field, value: String(value) } });
  }
  return Number(value);
}
