/**
 * Runs integrity audits in the background, one at a time, resumable: the
 * items in scope are fixed when an audit starts, and progress and findings are
 * saved item by item, so after a restart the audit continues where it
 * stopped. When it ends, its report is hashed and an audit.completed event
 * (scope, counts, report hash) is logged, to be anchored like evidence.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors';
import { EVENT_VERSION } from '../../core/events';
import { auditLog, type HeadObservation, type LogAudit, type StoredLeaf } from '../../core/audit';
import { auditScopeSchema, type AuditCompletedEvent } from '../../core/audit-events';
import type { Actor } from '../../core/actor';
import type { AnchorStore } from '../../adapters/db/anchor-store';
import type { AuditRow, AuditScope, AuditStore } from '../../adapters/db/audit-store';
import type { Db } from '../../adapters/db/database';
import type { EvidenceStore } from '../../adapters/db/evidence-store';
import type { LogStore } from '../../adapters/db/log-store';
import type { RenditionStore } from '../../adapters/db/media-store';
import type { RecordingStore } from '../../adapters/db/recording-store';
import type { ChainAnchor, ContentStore } from '../../ports';
import type { Logger } from '../../logger';
import { checkEvidence, checkRecording, type ItemContext } from './item-checks';
import { createThrottle } from './throttle';

export const REPORT_VERSION = 'custos.audit-report/v1';
const RECORDING_PREFIX = 'recording:';
const LEAF_PAGE = 10_000;

export interface AuditorComponents {
  db: Db;
  log: LogStore;
  anchors: AnchorStore;
  audits: AuditStore;
  evidence: EvidenceStore;
  renditions: RenditionStore;
  recordings: RecordingStore;
  content: ContentStore;
  chain: ChainAnchor;
  /** Bytes per second an audit may read (0: no limit). */
  maxBytesPerSecond: number;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
}

export class Auditor {
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly c: AuditorComponents) {
    this.now = c.now ?? (() => new Date());
  }

  /** Queues an audit; it runs in the background (GET /v1/audits/:id shows its progress). */
  request(scope: unknown, requestedBy: Actor): AuditRow {
    const parsed = auditScopeSchema.safeParse(scope);
    if (!parsed.success) throw new AppError('BAD_REQUEST', `scope is {kind: full} | {kind: sample, percent} | {kind: since, since: ISO date-time} | {kind: case, caseCode}`);
    const row = this.c.audits.create(`au_${randomUUID()}`, parsed.data, requestedBy, this.now().toISOString());
    this.wake();
    return row;
  }

  /** Resumes unfinished audits (after a restart) and runs queued ones. */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves when no audit is queued or running (tests, the CLI). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private wake(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain().then(
      () => {
        this.running = null;
        // An audit requested while the drain was finishing found it still running: pick it up now.
        if (!this.stopped && this.c.audits.unfinished().length > 0) this.wake();
      },
      (error: unknown) => {
        this.running = null;
        this.c.logger.error('the auditor stopped', { error: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  private async drain(): Promise<void> {
    for (let next = this.c.audits.unfinished()[0]; next && !this.stopped; next = this.c.audits.unfinished()[0]) {
      try {
        await this.run(next);
      } catch (error) {
        if (this.stopped) return; // interrupted: resumed at the next start
        const message = error instanceof Error ? error.message : String(error);
        this.c.logger.error('audit failed', { auditId: next.id, error: message });
        this.c.audits.fail(next.id, message, this.now().toISOString());
      }
    }
  }

  private itemsInScope(scope: AuditScope): string[] {
    const items = [...this.c.audits.evidenceIds(scope), ...this.c.audits.recordingIds(scope).map((id) => RECORDING_PREFIX + id)];
    if (scope.kind !== 'sample') return items;
    // A uniform sample, at least one item; which ones is fixed when the audit starts.
    const want = Math.max(1, Math.round((items.length * scope.percent) / 100));
    const random = this.c.random ?? Math.random;
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items.slice(0, Math.min(want, items.length));
  }

  /**
   * The log against the chain. The contract accepted every head only with a
   * valid consistency proof from the one before, so when the latest head's
   * root on chain is the log's root at that size (and the one this service
   * recorded), every earlier anchored head is too: one chain read suffices.
   * Otherwise every head is read back, to name the first that differs.
   */
  private async auditTheLog(): Promise<LogAudit> {
    const recorded = this.c.anchors.all();
    // A log whose tail was deleted is shorter than what was anchored: those entries are missing, not absent.
    const size = Math.max(this.c.log.size(), recorded.at(-1)?.treeSize ?? 0);
    const log = this.c.log;
    function* leaves(): Generator<StoredLeaf> {
      for (let start = 0; start < size; start += LEAF_PAGE) yield* log.entries(start, start + LEAF_PAGE);
    }
    const observe = async (treeSize: number, recordedRoot: string): Promise<HeadObservation> => ({
      treeSize,
      recordedRoot,
      chainRoot: (await this.c.chain.headAt(treeSize))?.rootHash ?? null,
    });
    // A head on chain that the database does not list (it lost rows, or an anchor is being recorded
    // right now) is checked against the log too: the chain, not the database, says what was anchored.
    const onChain = await this.c.chain.latestHead();
    const unrecorded: HeadObservation[] =
      onChain.treeSize > 0 && !recorded.some((a) => a.treeSize === onChain.treeSize) ? [{ treeSize: onChain.treeSize, recordedRoot: onChain.rootHash, chainRoot: onChain.rootHash }] : [];
    const latest = recorded.at(-1);
    if (latest) {
      const quick = auditLog(leaves(), Math.max(size, onChain.treeSize), [await observe(latest.treeSize, latest.rootHash), ...unrecorded]);
      if (!quick.findings.some((f) => f.item.startsWith('anchored head'))) return quick;
    }
    const heads: HeadObservation[] = [...unrecorded];
    for (const anchor of recorded) heads.push(await observe(anchor.treeSize, anchor.rootHash));
    return auditLog(leaves(), Math.max(size, onChain.treeSize), heads);
  }

  private async run(audit: AuditRow): Promise<void> {
    if (audit.items === null) this.c.audits.start(audit.id, this.itemsInScope(audit.scope), this.now().toISOString());
    const row = this.c.audits.byId(audit.id)!;
    const items = row.items!;
    const logAudit = await this.auditTheLog();
    // Step 0 is the log itself; steps 1..n are the items. A resumed audit redoes the log's
    // computation (it is needed for inclusion) but records its findings only once.
    let done = row.done;
    let bytes = row.bytes;
    if (done === 0) this.c.audits.recordItem(audit.id, ++done, bytes, logAudit.findings);
    const ctx: ItemContext = {
      log: this.c.log,
      evidence: this.c.evidence,
      renditions: this.c.renditions,
      recordings: this.c.recordings,
      content: this.c.content,
      tree: logAudit.tree,
      damagedLeaves: logAudit.damagedLeaves,
      trustedHead: logAudit.trustedHead,
      throttle: createThrottle(this.c.maxBytesPerSecond),
    };
    for (let i = done - 1; i < items.length; i++) {
      if (this.stopped) throw new AppError('INTERNAL', 'audit interrupted by shutdown');
      const item = items[i];
      const result = item.startsWith(RECORDING_PREFIX) ? await checkRecording(ctx, item.slice(RECORDING_PREFIX.length)) : await checkEvidence(ctx, item);
      bytes += result.bytes;
      this.c.audits.recordItem(audit.id, ++done, bytes, result.findings);
    }
    this.complete(this.c.audits.byId(audit.id)!, logAudit);
  }

  private complete(audit: AuditRow, logAudit: LogAudit): void {
    const findings = this.c.audits.findings(audit.id);
    const byCheck: Record<string, number> = {};
    for (const f of findings) byCheck[f.check] = (byCheck[f.check] ?? 0) + 1;
    const completedAt = this.now().toISOString();
    const counts = { items: audit.items!.length, bytes: audit.bytes, findings: findings.length, byCheck };
    const report = {
      version: REPORT_VERSION,
      auditId: audit.id,
      scope: audit.scope,
      requestedBy: audit.requestedBy,
      startedAt: audit.startedAt!,
      completedAt,
      logSize: logAudit.tree.size,
      trustedHead: logAudit.trustedHead,
      counts,
      findings,
    };
    const text = `${JSON.stringify(report, null, 2)}\n`;
    const reportSha256 = createHash('sha256').update(text).digest('hex');
    const event: AuditCompletedEvent = {
      version: EVENT_VERSION,
      type: 'audit.completed',
      auditId: audit.id,
      scope: audit.scope,
      counts,
      trustedHead: logAudit.trustedHead,
      reportSha256,
      requestedBy: audit.requestedBy,
      startedAt: audit.startedAt!,
      completedAt,
    };
    this.c.db.transaction(() => {
      const { leafIndex } = this.c.log.append(event, completedAt);
      this.c.audits.complete(audit.id, text, reportSha256, completedAt, leafIndex);
    })();
    this.c.logger.info('audit completed', { auditId: audit.id, items: counts.items, findings: counts.findings, reportSha256 });
  }
}
