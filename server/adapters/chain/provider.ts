/**
 * One way to open a JSON-RPC connection, shared by the anchor and the deployer.
 *
 * ethers' JsonRpcProvider, left to detect the network itself, retries
 * eth_chainId every second forever while the node is down (and logs to the
 * console each time), so a dead RPC would hang the caller instead of failing.
 * We therefore look the chain id up once ourselves, with a timeout, and hand
 * it to the provider as a static network: afterwards every request either
 * answers or fails within `timeoutMs`, and no eth_chainId is re-sent per call.
 */
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { AppError } from '../../core/errors';
import { toChainError } from './chain-errors';
import { redactRpcUrl } from './rpc-url';

export const DEFAULT_TIMEOUT_MS = 5_000;
/**
 * New-block polling, active only while a receipt is awaited (when the node has
 * not mined the transaction by the time it is first asked). 1 s suits 2-5 s
 * QBFT blocks; a loopback node (the embedded anvil mines at once) gets 100 ms,
 * or a missed first look would add a whole second to an anchor.
 */
export const DEFAULT_POLLING_INTERVAL_MS = 1_000;
export const LOOPBACK_POLLING_INTERVAL_MS = 100;

export interface ProviderOptions {
  rpcUrl: string;
  /** Per JSON-RPC request, retries of HTTP 429 included. */
  timeoutMs?: number;
  pollingIntervalMs?: number;
}

export interface ConnectedProvider {
  provider: JsonRpcProvider;
  chainId: number;
}

/** Only http(s): the provider we build speaks JSON-RPC over HTTP. */
export function assertRpcUrl(rpcUrl: string): void {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new AppError('CONFIG_INVALID', 'the chain RPC URL is not a valid URL', { details: { rpcUrl: redactRpcUrl(rpcUrl) } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('CONFIG_INVALID', `the chain RPC URL must be http(s), got ${url.protocol}`, {
      details: { rpcUrl: redactRpcUrl(rpcUrl) },
    });
  }
}

function fetchRequest(rpcUrl: string, timeoutMs: number): FetchRequest {
  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutMs;
  return request;
}

/** eth_chainId over a bare request: no provider, so no retry loop. */
export async function fetchChainId(rpcUrl: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
  assertRpcUrl(rpcUrl);
  const request = fetchRequest(rpcUrl, timeoutMs);
  request.body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] });
  request.setHeader('content-type', 'application/json');
  let result: unknown;
  try {
    const response = await request.send();
    response.assertOk();
    result = (response.bodyJson as { result?: unknown } | null)?.result;
  } catch (error) {
    throw toChainError(error, { operation: 'eth_chainId', rpcUrl });
  }
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(result)) {
    throw new AppError('CHAIN_MISMATCH', 'eth_chainId answered something that is not a chain id', {
      details: { rpcUrl: redactRpcUrl(rpcUrl) },
    });
  }
  return Number(BigInt(result));
}

export async function connectProvider(options: ProviderOptions): Promise<ConnectedProvider> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const chainId = await fetchChainId(options.rpcUrl, timeoutMs);
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(fetchRequest(options.rpcUrl, timeoutMs), network, {
    staticNetwork: network,
    // One request per HTTP call: a failure is attributed to the call that caused it.
    batchMaxCount: 1,
    // ethers caches identical calls for 250 ms by default, which hands two
    // anchorHead calls in quick succession the same 'pending' nonce. Off.
    cacheTimeout: -1,
    pollingInterval: options.pollingIntervalMs ?? (isLoopback(options.rpcUrl) ? LOOPBACK_POLLING_INTERVAL_MS : DEFAULT_POLLING_INTERVAL_MS),
  });
  return { provider, chainId };
}

function isLoopback(rpcUrl: string): boolean {
  const host = new URL(rpcUrl).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
