/**
 * The outside auditor's check of the whole log (`custos audit verify-log`):
 * mirror every served entry, recompute each leaf hash from its event, rebuild
 * the RFC 9162 tree, and compare it with every head anchored on the chain.
 *
 * Nothing the Custos server says about itself is trusted: served leaf hashes
 * are recomputed from the events (a mismatch is reported, and the recomputed
 * hash is what enters the tree), roots and consistency proofs come from the
 * rebuilt tree, and anchored heads are read from the contract's
 * TreeHeadAnchored events, never from the server's anchor records. What the
 * auditor does trust is the chain node and the contract address it names.
 *
 * `auditLog` decides; its two sources are small interfaces so that tests can
 * hand it anything. The HTTP and JSON-RPC adapters at the end are thin.
 */
import { Contract, Interface, type EventLog, type Log } from 'ethers';
import { z } from 'zod';
import { AppError, isAppError } from '../core/errors';
import { computeLeafHash, type LogEvent } from '../core/events';
import type { Hash } from '../core/hash';
import { bytesEqual, parseHash, toHex } from '../core/hex';
import { MemoryTree, computeConsistencyProof, verifyConsistency } from '../core/merkle';
import { fromBytes32, fromUint64 } from '../adapters/chain/abi-values';
import { chunkRange } from '../adapters/chain/block-search';
import { toChainError } from '../adapters/chain/chain-errors';
import { loadCustosLogArtifact } from '../adapters/chain/contract-artifact';
import { parseAddress } from '../adapters/chain/keys';
import { assertRpcUrl, connectProvider } from '../adapters/chain/provider';

// ---------------------------------------------------------------- result

export type AuditCheckName = 'leaf-hash' | 'chain-root' | 'consistency' | 'log-length';

export interface AuditFinding {
  /** What is wrong: 'log leaf 12', 'anchored head 40', or 'log head' for the log as a whole. */
  item: string;
  check: AuditCheckName;
  expected: string;
  found: string;
  message: string;
}

/** One line per kind of check: how many items it covered and how many failed. */
export interface AuditCheckSummary {
  check: AuditCheckName;
  ok: boolean;
  checked: number;
  failed: number;
  message: string;
}

export interface AnchoredHead {
  treeSize: number;
  /** Lowercase hex, as read from the chain. */
  rootHash: string;
  /** block.timestamp of the anchor (seconds). */
  anchoredAt: number;
  /** Where its TreeHeadAnchored event is; null for a head known only from latestHead(). */
  blockNumber: number | null;
  txHash: string | null;
}

export interface LogAuditResult {
  ok: boolean;
  /** The size the server announced at GET /v1/log/head. */
  treeSize: number;
  /** How many entries were mirrored (less than treeSize only if the server stopped serving them). */
  leaves: number;
  chain: { chainId: number; contract: string; blockNumber: number };
  anchoredHeads: AnchoredHead[];
  checks: AuditCheckSummary[];
  findings: AuditFinding[];
}

// ---------------------------------------------------------------- sources

/** An entry as served: untrusted, checked by auditLog. */
export interface ServedEntry {
  leafIndex: number;
  leafHash: unknown;
  event: unknown;
}

export interface LogPage {
  treeSize: number;
  start: number;
  end: number;
  next: number | null;
  entries: ServedEntry[];
}

/** The log as a Custos server serves it (GET /v1/log/head and /v1/log/entries). */
export interface LogSource {
  head(): Promise<{ treeSize: number }>;
  /** Entries from `start`, at most up to `end` (exclusive); the server may return fewer (bounded pages). */
  entries(start: number, end: number): Promise<LogPage>;
}

/** What the chain holds, read at one block so that events and latestHead() agree. */
export interface ChainHistory {
  chainId: number;
  contract: string;
  blockNumber: number;
  /** Every TreeHeadAnchored event of the contract up to blockNumber, in chain order. */
  heads: AnchoredHead[];
  /** latestHead() at blockNumber; treeSize 0 before the first anchor. */
  latestHead: { treeSize: number; rootHash: string; anchoredAt: number };
}

export interface ChainHistorySource {
  read(onProgress?: (progress: AuditProgress) => void): Promise<ChainHistory>;
}

export interface AuditProgress {
  phase: 'chain' | 'mirror';
  done: number;
  total: number;
}

export interface AuditLogComponents {
  log: LogSource;
  chain: ChainHistorySource;
  onProgress?: (progress: AuditProgress) => void;
}

// ---------------------------------------------------------------- the audit

/**
 * Mirrors the log, rebuilds it and checks it against the chain; every problem
 * is reported as a finding, and the result is `ok` only without any. Throws
 * (AppError) only when a source fails: the server or the chain cannot be read,
 * or the server answers something that is not a log page at all.
 */
export async function auditLog({ log, chain, onProgress }: AuditLogComponents): Promise<LogAuditResult> {
  // The chain first: the server anchors only heads it already has, so a log
  // read after this snapshot is at least as long as every head in it.
  const history = await chain.read(onProgress);
  const { treeSize } = await log.head();
  const mirror = await mirrorLog(log, treeSize, onProgress);
  const compared = compareWithChain(mirror.tree, history);
  const findings = [...mirror.findings, ...compared.findings];
  const logLength = logLengthCheck(mirror, compared.heads);
  findings.push(...logLength.findings);
  const checks = [leafHashSummary(mirror), ...compared.summaries, logLength.summary];
  return {
    ok: findings.length === 0,
    treeSize,
    leaves: mirror.tree.size,
    chain: { chainId: history.chainId, contract: history.contract, blockNumber: history.blockNumber },
    anchoredHeads: compared.heads,
    checks,
    findings,
  };
}

interface Mirror {
  tree: MemoryTree;
  /** The size announced by /v1/log/head when the audit started. */
  announced: number;
  /** Set when a later page said the log is shorter than announced. */
  shrunkTo: number | null;
  findings: AuditFinding[];
  leafHashMismatches: number;
}

/**
 * A leaf that cannot be hashed and has no well-formed served hash still takes
 * its place in the tree, so later indices stay right; no real leaf hashes to
 * all zeros, so any anchored root over it fails.
 */
const UNKNOWN_LEAF: Hash = new Uint8Array(32);

async function mirrorLog(log: LogSource, announced: number, onProgress?: (p: AuditProgress) => void): Promise<Mirror> {
  const mirror: Mirror = { tree: new MemoryTree(), announced, shrunkTo: null, findings: [], leafHashMismatches: 0 };
  while (mirror.tree.size < announced) {
    const position = mirror.tree.size;
    const page = await log.entries(position, announced);
    const count = checkPage(page, position, announced);
    for (const entry of page.entries) {
      const leaf = recomputeLeaf(entry);
      if (leaf.finding) {
        mirror.findings.push(leaf.finding);
        mirror.leafHashMismatches += 1;
      }
      mirror.tree.append(leaf.hash);
    }
    onProgress?.({ phase: 'mirror', done: mirror.tree.size, total: announced });
    if (page.treeSize < announced) mirror.shrunkTo = Math.min(mirror.shrunkTo ?? page.treeSize, page.treeSize);
    // `next` null before the announced size: the server has nothing more to give.
    if (count === 0 || page.next === null) break;
  }
  if (mirror.tree.size < announced && mirror.shrunkTo === null) mirror.shrunkTo = mirror.tree.size;
  return mirror;
}

/** The page's own bookkeeping must agree with what was asked; returns how many entries it brings. */
function checkPage(page: LogPage, position: number, announced: number): number {
  const count = page.entries.length;
  const problem =
    page.start !== position
      ? `it starts at ${page.start}, not at the ${position} asked for`
      : count > announced - position
        ? `it holds ${count} entries, more than the ${announced - position} asked for`
        : page.end !== position + count
          ? `its end ${page.end} does not match its ${count} entries from ${position}`
          : page.entries.findIndex((e, i) => e.leafIndex !== position + i) >= 0
            ? 'its leaf indices are not consecutive from its start'
            : count > 0 && page.next !== null && page.next !== page.end
              ? `its next ${page.next} is not its end ${page.end}`
              : count === 0 && page.next !== null
                ? 'it is empty but names a next page'
                : null;
  if (problem) {
    throw new AppError('SERVER_UNAVAILABLE', `the server's log page from ${position} is malformed: ${problem}`, {
      details: { start: position, pageStart: page.start, pageEnd: page.end, next: page.next, entries: count },
    });
  }
  return count;
}

/** The leaf hash recomputed from the served event (RFC 9162 §2.1.1 over JCS), never the served one. */
function recomputeLeaf(entry: ServedEntry): { hash: Hash; finding?: AuditFinding } {
  const item = `log leaf ${entry.leafIndex}`;
  const served = typeof entry.leafHash === 'string' && /^[0-9a-f]{64}$/.test(entry.leafHash) ? parseHash(entry.leafHash) : null;
  const shown = typeof entry.leafHash === 'string' ? entry.leafHash.slice(0, 80) : `(${entry.leafHash === null ? 'null' : typeof entry.leafHash})`;
  let recomputed: Hash;
  try {
    // The event is whatever JSON the server sent; JCS refuses what cannot be hashed canonically.
    recomputed = computeLeafHash(entry.event as LogEvent);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return {
      hash: served ?? UNKNOWN_LEAF,
      finding: { item, check: 'leaf-hash', expected: 'an event that can be canonicalised (RFC 8785)', found: shown, message: `the served event cannot be hashed: ${error.message}` },
    };
  }
  if (served && bytesEqual(served, recomputed)) return { hash: recomputed };
  return {
    hash: recomputed,
    finding: {
      item,
      check: 'leaf-hash',
      expected: toHex(recomputed),
      found: shown,
      message: served ? 'the served leaf hash is not the hash of the served event' : 'the served leaf hash is not 64 lowercase hex characters',
    },
  };
}

interface Compared {
  heads: AnchoredHead[];
  findings: AuditFinding[];
  summaries: AuditCheckSummary[];
}

function compareWithChain(tree: MemoryTree, history: ChainHistory): Compared {
  const findings: AuditFinding[] = [];
  const heads = [...history.heads];
  const latest = history.latestHead;
  const last = heads[heads.length - 1];

  // The contract's own view must end where its events do.
  let chainSelfChecks = 0;
  let selfFailed = 0;
  if (latest.treeSize > 0 || last) {
    chainSelfChecks = 1;
    if (!last || last.treeSize !== latest.treeSize || last.rootHash !== latest.rootHash) {
      selfFailed = 1;
      findings.push({
        item: `anchored head ${latest.treeSize}`,
        check: 'consistency',
        expected: last ? `${last.treeSize}:${last.rootHash}` : 'no TreeHeadAnchored event',
        found: `${latest.treeSize}:${latest.rootHash}`,
        message: `latestHead() is not the last TreeHeadAnchored event of the contract${last ? '' : ' (is --from-block above the deployment?)'}`,
      });
      // A head known only from latestHead() is still checked against the log.
      if (latest.treeSize > 0 && !heads.some((h) => h.treeSize === latest.treeSize && h.rootHash === latest.rootHash)) {
        heads.push({ ...latest, blockNumber: null, txHash: null });
      }
    }
  }

  // chain-root: the rebuilt log has the anchored root at each anchored size.
  let rootsChecked = 0;
  let rootsFailed = 0;
  let rootsBeyond = 0;
  for (const head of heads) {
    if (head.treeSize > tree.size) {
      rootsBeyond += 1; // reported once, by log-length
      continue;
    }
    rootsChecked += 1;
    const rebuilt = toHex(tree.root(head.treeSize));
    if (rebuilt !== head.rootHash) {
      rootsFailed += 1;
      findings.push({
        item: `anchored head ${head.treeSize}`,
        check: 'chain-root',
        expected: head.rootHash,
        found: rebuilt,
        message: `the mirrored log's first ${head.treeSize} leaves have another root than the one anchored on chain`,
      });
    }
  }

  // consistency: each anchored head extends the previous one, shown by an RFC 9162
  // §2.1.4 proof computed from the rebuilt tree and verified against the two chain roots.
  let pairsChecked = 0;
  let pairsFailed = 0;
  for (let i = 1; i < heads.length; i++) {
    const [from, to] = [heads[i - 1], heads[i]];
    const item = `anchored head ${to.treeSize}`;
    if (to.treeSize <= from.treeSize || from.treeSize === 0) {
      pairsChecked += 1;
      pairsFailed += 1;
      findings.push({ item, check: 'consistency', expected: `a tree size above ${from.treeSize}`, found: String(to.treeSize), message: `anchored after head ${from.treeSize}, yet not larger: the contract accepted a head that does not extend the log` });
      continue;
    }
    if (to.treeSize > tree.size) continue; // beyond the mirror: log-length reports it
    pairsChecked += 1;
    const proof = computeConsistencyProof(tree, from.treeSize, to.treeSize);
    const result = verifyConsistency(from.treeSize, to.treeSize, parseHash(from.rootHash), parseHash(to.rootHash), proof);
    if (!result.ok) {
      pairsFailed += 1;
      findings.push({
        item,
        check: 'consistency',
        expected: result.expected ?? to.rootHash,
        found: result.calculated ?? '(no root)',
        message: `not shown consistent with anchored head ${from.treeSize} by the mirrored log: ${result.code}: ${result.message}`,
      });
    }
  }

  const beyond = rootsBeyond > 0 ? `; ${rootsBeyond} beyond the mirrored log` : '';
  const summaries: AuditCheckSummary[] = [
    {
      check: 'chain-root',
      ok: rootsFailed === 0,
      checked: rootsChecked,
      failed: rootsFailed,
      message:
        heads.length === 0
          ? 'nothing is anchored on chain yet'
          : rootsFailed === 0
            ? `the rebuilt log has the anchored root at all ${rootsChecked} anchored sizes${beyond}`
            : `${rootsFailed} of ${rootsChecked} anchored roots differ from the rebuilt log's${beyond}`,
    },
    {
      check: 'consistency',
      ok: pairsFailed + selfFailed === 0,
      checked: pairsChecked + chainSelfChecks,
      failed: pairsFailed + selfFailed,
      message:
        pairsFailed + selfFailed === 0
          ? `each of ${pairsChecked} anchored heads extends the one before it (RFC 9162 consistency through the rebuilt log)${chainSelfChecks ? ', and latestHead() is the last anchored' : ''}`
          : `${pairsFailed} of ${pairsChecked} anchored heads are not consistent with the one before${selfFailed ? '; latestHead() disagrees with the events' : ''}`,
    },
  ];
  return { heads, findings, summaries };
}

function logLengthCheck(mirror: Mirror, heads: readonly AnchoredHead[]): { summary: AuditCheckSummary; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  const leaves = mirror.tree.size;
  const anchored = heads.reduce((max, h) => Math.max(max, h.treeSize), 0);
  if (mirror.shrunkTo !== null) {
    findings.push({
      item: 'log head',
      check: 'log-length',
      expected: `${mirror.announced} leaves`,
      found: `${Math.min(mirror.shrunkTo, leaves)} leaves`,
      message: `the server announced ${mirror.announced} leaves, then served only ${leaves}: an append-only log never shrinks`,
    });
  }
  if (leaves < anchored) {
    findings.push({
      item: 'log head',
      check: 'log-length',
      expected: `at least ${anchored} leaves`,
      found: `${leaves} leaves`,
      message: `the mirrored log is shorter than the latest anchored head (size ${anchored})`,
    });
  }
  return {
    findings,
    summary: {
      check: 'log-length',
      ok: findings.length === 0,
      checked: 1,
      failed: findings.length,
      message:
        findings.length === 0
          ? `the mirrored log (${leaves} leaves) covers the latest anchored head (size ${anchored})`
          : `the mirrored log (${leaves} leaves) falls short (latest anchored head: size ${anchored}; announced: ${mirror.announced})`,
    },
  };
}

function leafHashSummary(mirror: Mirror): AuditCheckSummary {
  const n = mirror.tree.size;
  const bad = mirror.leafHashMismatches;
  return {
    check: 'leaf-hash',
    ok: bad === 0,
    checked: n,
    failed: bad,
    message: bad === 0 ? `all ${n} served leaf hashes equal the hashes recomputed from their events` : `${bad} of ${n} served leaf hashes differ from their events' hashes`,
  };
}

// ---------------------------------------------------------------- HTTP: the served log

const size = z.number().int().nonnegative();
const logPageSchema = z.object({
  treeSize: size,
  start: size,
  end: size,
  next: size.nullable(),
  // leafHash and event stay unknown here: a bad one is a finding about that leaf, not a failed page.
  entries: z.array(z.object({ leafIndex: size, leafHash: z.unknown(), event: z.unknown() })),
});
const logHeadSchema = z.object({ treeSize: size });

export interface HttpLogSourceOptions {
  /** Per request (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Reads the public log endpoints of a Custos server; every answer is parsed as untrusted. */
export function createHttpLogSource(serverUrl: string, options: HttpLogSourceOptions = {}): LogSource {
  // Relative paths keep a path prefix (a server behind https://host/custos/).
  const base = new URL(serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  const where = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;

  async function getJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const url = new URL(path, base);
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      body = await response.json();
    } catch (cause) {
      const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : (cause as Error).message;
      throw new AppError('SERVER_UNAVAILABLE', `cannot read ${path} from the Custos server at ${where}: ${reason}`, { cause, details: { server: where, path } });
    }
    if (!response.ok) {
      throw new AppError('SERVER_UNAVAILABLE', `the Custos server at ${where} answered HTTP ${response.status} to ${path}`, { details: { server: where, path, status: response.status } });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new AppError('SERVER_UNAVAILABLE', `the Custos server at ${where} answered ${path} with something that is not a log page: ${issues}`, { details: { server: where, path } });
    }
    return parsed.data;
  }

  return {
    head: () => getJson('v1/log/head', logHeadSchema),
    entries: (start, end) => getJson(`v1/log/entries?start=${start}&end=${end}`, logPageSchema),
  };
}

// ---------------------------------------------------------------- JSON-RPC: the anchored heads

export interface ChainHistoryOptions {
  rpcUrl: string;
  contract: string;
  /** First block to scan for events (the deployment's, if known; default 0). */
  fromBlock?: number;
  /** Per JSON-RPC request (default 10 s). */
  timeoutMs?: number;
}

/** Reads every TreeHeadAnchored event and latestHead() of the contract, at one block. */
export function createChainHistorySource(options: ChainHistoryOptions): ChainHistorySource {
  const { rpcUrl } = options;
  assertRpcUrl(rpcUrl);
  const address = parseAddress(options.contract, 'the CustosLog contract address');
  const fromBlock = options.fromBlock ?? 0;

  return {
    async read(onProgress) {
      const iface = Interface.from(loadCustosLogArtifact().abi);
      const { provider, chainId } = await connectProvider({ rpcUrl, timeoutMs: options.timeoutMs ?? 10_000 });
      let operation = 'eth_getCode';
      try {
        if ((await provider.getCode(address)) === '0x') {
          throw new AppError('CHAIN_MISMATCH', `no contract code at ${address} on chain ${chainId}`, { details: { chainId, contract: address } });
        }
        const contract = new Contract(address, iface, provider);
        operation = 'eth_blockNumber';
        const blockNumber = await provider.getBlockNumber();
        operation = 'latestHead()';
        const [latestSize, latestRoot, latestAt] = (await contract.getFunction('latestHead').staticCall({ blockTag: blockNumber })) as [bigint, string, bigint];
        const heads: AnchoredHead[] = [];
        const total = Math.max(0, blockNumber - fromBlock + 1);
        for (const chunk of chunkRange({ fromBlock, toBlock: blockNumber })) {
          operation = `eth_getLogs(TreeHeadAnchored, blocks ${chunk.fromBlock}-${chunk.toBlock})`;
          const logs = await contract.queryFilter(contract.filters.TreeHeadAnchored(), chunk.fromBlock, chunk.toBlock);
          heads.push(...sortLogs(logs).map((log) => anchoredHeadOf(iface, log)));
          onProgress?.({ phase: 'chain', done: chunk.toBlock - fromBlock + 1, total });
        }
        return {
          chainId,
          contract: address,
          blockNumber,
          heads,
          latestHead: { treeSize: fromUint64(latestSize, 'treeSize'), rootHash: fromBytes32(latestRoot, 'rootHash'), anchoredAt: fromUint64(latestAt, 'anchoredAt') },
        };
      } catch (error) {
        throw toChainError(error, { operation, rpcUrl, iface, details: { contract: address } });
      } finally {
        provider.destroy();
      }
    },
  };
}

function sortLogs<T extends Log>(logs: T[]): T[] {
  return logs.filter((l) => !l.removed).sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}

function anchoredHeadOf(iface: Interface, log: Log | EventLog): AnchoredHead {
  const parsed = iface.parseLog(log);
  if (!parsed || parsed.name !== 'TreeHeadAnchored') {
    throw new AppError('CHAIN_MISMATCH', `log ${log.index} of block ${log.blockNumber} is not a TreeHeadAnchored event`, { details: { txHash: log.transactionHash } });
  }
  return {
    treeSize: fromUint64(parsed.args[0], 'treeSize'),
    rootHash: fromBytes32(parsed.args[1], 'rootHash'),
    anchoredAt: fromUint64(parsed.args[2], 'anchoredAt'),
    blockNumber: log.blockNumber,
    txHash: log.transactionHash.toLowerCase(),
  };
}
