/**
 * The anchorer: every interval, if the log grew, anchors the new head on the
 * chain with a consistency proof from the last anchored head (the contract
 * checks it, so even we cannot anchor a rewritten history).
 *
 * Nothing is lost when the chain fails: the log is the source of truth and the
 * next successful attempt anchors everything appended meanwhile. Failures back
 * off exponentially up to a ceiling. Before the first attempt, and after any
 * failed one, the anchorer reconciles its record of anchored heads
 * with the chain's latestHead(): an embedded chain killed hard may have lost
 * its latest blocks, and a transaction whose receipt we never saw may have been
 * mined.
 */
import { AppError, isAppError } from '../core/errors';
import { toHex } from '../core/hex';
import type { ChainAnchor, ChainInfo } from '../ports';
import type { AnchorStore, AnchorRecord } from '../adapters/db/anchor-store';
import type { LogStore } from '../adapters/db/log-store';
import { describeError, type Logger } from '../logger';

export interface AnchorerComponents {
  log: LogStore;
  anchors: AnchorStore;
  chain: ChainAnchor;
  intervalMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

export interface AnchorerStatus {
  reconciled: boolean;
  consecutiveFailures: number;
  lastError?: { code: string; message: string; at: string };
  lastAnchor?: AnchorRecord;
  /** Set when the chain holds a head our log does not match: anchoring stops until an operator looks. */
  fork?: { treeSize: number; chainRoot: string; logRoot: string | null };
}

export class Anchorer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private info?: ChainInfo;
  private readonly state: AnchorerStatus = { reconciled: false, consecutiveFailures: 0 };

  constructor(private readonly c: AnchorerComponents) {}

  status(): AnchorerStatus {
    return { ...this.state, lastAnchor: this.c.anchors.latest() ?? undefined };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs one reconcile-and-anchor step now (also used by tests and the CLI). */
  async tick(): Promise<void> {
    if (this.state.fork) return;
    if (!this.state.reconciled) await this.reconcile();
    if (this.state.fork) return;
    await this.anchorIfGrown();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => {
          if (this.state.fork) return; // anchoring stays stopped: tick() did nothing
          if (this.state.consecutiveFailures > 0) this.c.logger.info('anchoring recovered', { afterFailures: this.state.consecutiveFailures });
          this.state.consecutiveFailures = 0;
          this.schedule(this.c.intervalMs);
        })
        .catch((error: unknown) => {
          this.state.consecutiveFailures += 1;
          const code = isAppError(error) ? error.code : 'INTERNAL';
          this.state.lastError = { code, message: error instanceof Error ? error.message : String(error), at: new Date().toISOString() };
          if (this.state.fork) return; // reconcile() has logged it; retrying cannot help
          // Whatever failed (a rejected transaction, a receipt that never came while
          // the transaction may still be mined), our view of the chain may be stale:
          // look again before retrying, at the cost of one latestHead() call.
          this.state.reconciled = false;
          const backoff = Math.min(this.c.intervalMs * 2 ** this.state.consecutiveFailures, this.c.maxBackoffMs);
          this.c.logger.warn('anchoring failed; will retry', { ...describeError(error), retryInMs: backoff, failures: this.state.consecutiveFailures });
          this.schedule(backoff);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async chainInfo(): Promise<ChainInfo> {
    this.info ??= await this.c.chain.info();
    return this.info;
  }

  /** Aligns the local record of anchored heads with the chain, which is authoritative. */
  async reconcile(): Promise<void> {
    const head = await this.c.chain.latestHead();
    const logSize = this.c.log.size();
    if (head.treeSize === 0) {
      if (this.c.anchors.latest()) this.c.logger.warn('the chain has no anchored head; anchoring the whole log again');
      this.c.anchors.forgetAll();
    } else {
      const logRoot = head.treeSize <= logSize ? toHex(this.c.log.root(head.treeSize)) : null;
      if (logRoot !== head.rootHash) {
        this.state.fork = { treeSize: head.treeSize, chainRoot: head.rootHash, logRoot };
        this.c.logger.error('the chain anchors a head that this log does not match: anchoring stopped', this.state.fork);
        throw new AppError('LOG_FORK_DETECTED', `the chain anchors a root at size ${head.treeSize} that this log does not have`, { details: this.state.fork });
      }
      const forgotten = (this.c.anchors.latest()?.treeSize ?? 0) > head.treeSize;
      this.c.anchors.forgetAbove(head.treeSize);
      if (forgotten) this.c.logger.warn('the chain lost anchored heads; they will be anchored again', { chainTreeSize: head.treeSize });
      if (!this.c.anchors.at(head.treeSize)) {
        // Mined, but our process never recorded it (crash or lost receipt): take it from the chain's event.
        const receipt = await this.c.chain.findAnchor(head.treeSize);
        if (receipt) {
          const info = await this.chainInfo();
          this.c.anchors.record({ treeSize: head.treeSize, rootHash: head.rootHash, chainId: info.chainId, contract: info.contract, ...receipt });
        }
      }
    }
    this.state.reconciled = true;
  }

  private async anchorIfGrown(): Promise<void> {
    const size = this.c.log.size();
    const latest = this.c.anchors.latest();
    if (size === 0 || (latest && latest.treeSize >= size)) return;
    const rootHash = toHex(this.c.log.root(size));
    const proof = latest ? this.c.log.consistencyProof(latest.treeSize, size).map(toHex) : [];
    const receipt = await this.c.chain.anchorHead(size, rootHash, proof);
    const info = await this.chainInfo();
    this.c.anchors.record({ treeSize: size, rootHash, chainId: info.chainId, contract: info.contract, ...receipt });
    this.c.logger.info('anchored log head', { treeSize: size, rootHash, txHash: receipt.txHash, blockNumber: receipt.blockNumber });
  }
}
