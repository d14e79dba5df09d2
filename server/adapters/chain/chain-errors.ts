/**
 * Turns what ethers (or Node's HTTP stack underneath it) throws into AppErrors
 * with stable codes:
 *  - CHAIN_UNAVAILABLE: the node could not be reached or did not answer in time;
 *    the caller may retry later.
 *  - ANCHOR_REJECTED (or the code the caller chooses for reverts): the EVM
 *    reverted, or the node refused the transaction (funds, nonce). A revert is
 *    decoded against the contract ABI into the custom error's name and args.
 *  - CHAIN_MISMATCH: the node answered with something our ABI cannot decode,
 *    i.e. the address does not hold the contract we expect.
 * Messages, details and causes never contain the raw RPC URL (credentials).
 */
import { Interface, isError, type ErrorDescription } from 'ethers';
import { AppError, isAppError, type ErrorCode } from '../../core/errors';
import { redactRpcUrl, redactRpcUrlIn } from './rpc-url';

/** Node and undici codes that mean "no usable connection to the node". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
/** ethers codes with the same meaning. */
const UNAVAILABLE_CODES = new Set(['TIMEOUT', 'NETWORK_ERROR', 'SERVER_ERROR']);
/** The node refused the transaction before any EVM execution. */
const REFUSED_CODES = new Set(['INSUFFICIENT_FUNDS', 'NONCE_EXPIRED', 'REPLACEMENT_UNDERPRICED', 'TRANSACTION_REPLACED']);

export interface DecodedRevert {
  /** Custom error name, e.g. "CustosLogInconsistentHead"; "Error"/"Panic" for the built-ins. */
  error: string;
  signature: string;
  selector: string;
  /** By parameter name (position when unnamed); integers above 2^53 as decimal strings. */
  args: Record<string, unknown>;
}

export interface ChainErrorContext {
  /** What was being done, for the message: "anchorHead(treeSize=8)". */
  operation: string;
  rpcUrl: string;
  iface?: Interface;
  /** Code for an EVM revert; reads default to CHAIN_MISMATCH. */
  revertCode?: ErrorCode;
  details?: Record<string, unknown>;
}

export function toChainError(error: unknown, context: ChainErrorContext): AppError {
  if (isAppError(error)) return error;
  const endpoint = redactRpcUrl(context.rpcUrl);
  const cause = sanitizeCause(error, context.rpcUrl);
  const base = { ...context.details, rpcUrl: endpoint };
  const chain = errorChain(error);

  const status = httpStatusOf(error);
  if (status === 401 || status === 403) {
    return new AppError('CONFIG_INVALID', `${context.operation}: the chain node at ${endpoint} refused our credentials (HTTP ${status})`, {
      cause,
      details: { ...base, status },
    });
  }

  const connectionCode = chain.map(codeOf).find((code) => code !== undefined && CONNECTION_CODES.has(code));
  const ethersCode = codeOf(error);
  if (connectionCode || (ethersCode && UNAVAILABLE_CODES.has(ethersCode)) || isDestroyed(error)) {
    const reason = connectionCode ?? ethersCode ?? 'DESTROYED';
    return new AppError('CHAIN_UNAVAILABLE', `${context.operation}: chain node unavailable at ${endpoint} (${reason})`, {
      cause,
      details: { ...base, reason },
    });
  }

  if (ethersCode && REFUSED_CODES.has(ethersCode)) {
    return new AppError('ANCHOR_REJECTED', `${context.operation}: the node refused the transaction (${ethersCode})`, {
      cause,
      details: { ...base, error: null, reason: ethersCode },
    });
  }

  if (ethersCode === 'CALL_EXCEPTION') {
    const data = findRevertData(chain);
    const decoded = data && context.iface ? decodeRevert(context.iface, data) : null;
    const code = context.revertCode ?? 'CHAIN_MISMATCH';
    const what = decoded ? formatRevert(decoded) : data ? `unknown error ${data.slice(0, 10)}` : 'no revert data';
    return new AppError(code, `${context.operation} reverted: ${what}`, {
      cause,
      details: decoded ? { ...base, ...decoded } : { ...base, error: null, data: data ?? null },
    });
  }

  if (ethersCode === 'BAD_DATA') {
    return new AppError('CHAIN_MISMATCH', `${context.operation}: the contract's answer cannot be decoded; is it CustosLog?`, {
      cause,
      details: base,
    });
  }

  return new AppError('INTERNAL', `${context.operation} failed: ${cause.message}`, { cause, details: base });
}

/** Decodes revert data with the contract ABI (custom errors) or the built-in Error/Panic. */
export function decodeRevert(iface: Interface, data: string): DecodedRevert | null {
  let description: ErrorDescription | null;
  try {
    description = iface.parseError(data);
  } catch {
    // Selector known but arguments malformed: the caller reports the raw selector.
    return null;
  }
  if (!description) return null;
  const args: Record<string, unknown> = {};
  description.fragment.inputs.forEach((input, i) => {
    args[input.name || String(i)] = toJsonSafe(description.args[i]);
  });
  return { error: description.name, signature: description.signature, selector: description.selector, args };
}

export function formatRevert(revert: DecodedRevert): string {
  const args = Object.entries(revert.args).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${revert.error}(${args.join(', ')})`;
}

function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value && typeof value === 'object' && 'toArray' in value && typeof value.toArray === 'function') {
    return (value.toArray() as unknown[]).map(toJsonSafe);
  }
  return value;
}

/** The error and everything it wraps (ethers nests the JSON-RPC error under `error` or `info.error`). */
function errorChain(error: unknown): object[] {
  const seen: object[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 16) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.includes(current)) continue;
    seen.push(current);
    const record = current as { error?: unknown; cause?: unknown; info?: { error?: unknown } };
    queue.push(record.error, record.cause, record.info?.error);
  }
  return seen;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { response?: { statusCode?: unknown } } | null)?.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function isDestroyed(error: unknown): boolean {
  return isError(error, 'UNSUPPORTED_OPERATION') && /destroyed/.test(error.shortMessage);
}

function findRevertData(chain: object[]): string | null {
  for (const item of chain) {
    const data = (item as { data?: unknown }).data;
    if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
  }
  return null;
}

/** A plain Error carrying the original's code and a message with the RPC URL's secrets removed. */
export function sanitizeCause(error: unknown, rpcUrl: string): Error & { code?: string } {
  const raw = error as { shortMessage?: unknown; message?: unknown; name?: unknown } | null;
  const text = typeof raw?.shortMessage === 'string' ? raw.shortMessage : typeof raw?.message === 'string' ? raw.message : String(error);
  const clean: Error & { code?: string } = new Error(redactRpcUrlIn(text, rpcUrl));
  if (typeof raw?.name === 'string') clean.name = raw.name;
  const code = codeOf(error);
  if (code) clean.code = code;
  return clean;
}
