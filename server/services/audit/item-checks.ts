/**
 * The checks of one item: an original with its renditions, or a live
 * recording with its segments. The logged event is the authority: the bytes
 * are compared with the event's SHA-256 (every block is also checked against
 * its CID on the way), the database row with the event, the event with its
 * leaf, and the leaf with the latest head the chain confirmed.
 */
import { isAppError } from '../../core/errors';
import { computeLeafHash, type EvidenceIngestedEvent } from '../../core/events';
import { parseHash, toHex } from '../../core/hex';
import { computeInclusionProof, verifyInclusion, type MemoryTree } from '../../core/merkle';
import type { Finding } from '../../core/audit';
import type { EvidenceDerivedEvent } from '../../core/media-events';
import type { SegmentRecordedEvent } from '../../core/recording-events';
import type { EvidenceStore } from '../../adapters/db/evidence-store';
import type { LogStore } from '../../adapters/db/log-store';
import type { RenditionStore } from '../../adapters/db/media-store';
import type { RecordingStore } from '../../adapters/db/recording-store';
import type { ContentStore } from '../../ports';

export interface ItemContext {
  log: LogStore;
  evidence: EvidenceStore;
  renditions: RenditionStore;
  recordings: RecordingStore;
  content: ContentStore;
  tree: MemoryTree;
  damagedLeaves: ReadonlySet<number>;
  trustedHead: { treeSize: number; rootHash: string } | null;
  /** Waits as long as the throttle asks after `bytes` more were read. */
  throttle: (bytes: number) => Promise<void>;
}

export interface ItemResult {
  findings: Finding[];
  bytes: number;
}

const RESTORE_BYTES = 'restore the file from a backup or the recorder and re-import it under the same CID; keep this report';
const REVIEW_RECORD = 'compare the record with its logged event (GET /v1/log/entries) and restore the record from it; investigate who changed it';

interface LoggedRecord {
  item: string;
  leafIndex: number;
  /** The row's copy of the logged event. */
  event: string;
  /** Row columns that must equal the event's fields. */
  columns: Record<string, string | number>;
}

/** The row agrees with its event, and the event hashes to its leaf (damaged leaves are the log check's finding, not this one's). */
function recordChecks(ctx: ItemContext, record: LoggedRecord): Finding[] {
  if (ctx.damagedLeaves.has(record.leafIndex)) return [];
  const findings: Finding[] = [];
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(record.event) as Record<string, unknown>;
  } catch {
    return [{ item: record.item, check: 'record', message: 'the record’s event is not JSON', action: REVIEW_RECORD }];
  }
  for (const [field, value] of Object.entries(record.columns)) {
    if (event[field] !== value) {
      findings.push({ item: record.item, check: 'record', message: `the record's ${field} differs from its logged event`, expected: String(event[field]), found: String(value), action: REVIEW_RECORD });
    }
  }
  const stored = ctx.log.leafHash(record.leafIndex);
  const recomputed = toHex(computeLeafHash(event as EvidenceIngestedEvent));
  if (!stored || toHex(stored) !== recomputed) {
    findings.push({
      item: record.item,
      check: 'record',
      message: `the record's event does not hash to log leaf ${record.leafIndex}: the record was edited`,
      expected: stored ? toHex(stored) : '(no leaf)',
      found: recomputed,
      action: REVIEW_RECORD,
    });
  }
  return findings;
}

/** The leaf is in the latest head the chain confirmed (not yet anchored: nothing to say). */
function inclusionCheck(ctx: ItemContext, item: string, leafIndex: number): Finding[] {
  const head = ctx.trustedHead;
  if (!head || leafIndex >= head.treeSize || ctx.damagedLeaves.has(leafIndex)) return [];
  const leaf = ctx.tree.subtreeHash(0, leafIndex);
  const result = verifyInclusion(leafIndex, head.treeSize, leaf, computeInclusionProof(ctx.tree, leafIndex, head.treeSize), parseHash(head.rootHash));
  return result.ok
    ? []
    : [{ item, check: 'inclusion', message: `leaf ${leafIndex} is not included in anchored head ${head.treeSize}: ${result.message}`, action: 'audit the log (custos audit verify-log) and escalate' }];
}

/** Re-reads the content and compares its SHA-256 with the logged one; a missing or corrupted block is a finding too. */
async function bytesCheck(ctx: ItemContext, item: string, cid: string, sha256: string): Promise<ItemResult> {
  let found: { sha256: string; size: number };
  try {
    found = await ctx.content.digest(cid, ctx.throttle);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'CONTENT_UNAVAILABLE') throw error;
    return { bytes: 0, findings: [{ item, check: 'bytes', message: `the content of ${cid} cannot be read intact: ${error.message}`, expected: sha256, found: '(unreadable)', action: RESTORE_BYTES }] };
  }
  return found.sha256 === sha256
    ? { bytes: found.size, findings: [] }
    : { bytes: found.size, findings: [{ item, check: 'bytes', message: `the bytes under ${cid} do not hash to the logged SHA-256`, expected: sha256, found: found.sha256, action: RESTORE_BYTES }] };
}

export async function checkEvidence(ctx: ItemContext, evidenceId: string): Promise<ItemResult> {
  const row = ctx.evidence.byId(evidenceId);
  if (!row) return { bytes: 0, findings: [{ item: `evidence ${evidenceId}`, check: 'record', message: 'the record is gone from the database', action: REVIEW_RECORD }] };
  const item = `evidence ${row.id}`;
  const event = JSON.parse(row.event) as EvidenceIngestedEvent;
  const findings = [
    ...recordChecks(ctx, { item, leafIndex: row.leafIndex, event: row.event, columns: { evidenceId: row.id, sha256: row.sha256, size: row.size, cid: row.cid, mediaType: row.mediaType, receivedAt: row.receivedAt } }),
    ...inclusionCheck(ctx, item, row.leafIndex),
  ];
  const content = await bytesCheck(ctx, item, event.cid, event.sha256);
  findings.push(...content.findings);
  let bytes = content.bytes;
  for (const rendition of ctx.renditions.forEvidence(row.id)) {
    const ritem = `rendition ${row.id}/${rendition.name}`;
    const derived = JSON.parse(rendition.event) as EvidenceDerivedEvent;
    findings.push(
      ...recordChecks(ctx, { item: ritem, leafIndex: rendition.leafIndex, event: rendition.event, columns: { name: rendition.name, sha256: rendition.sha256, size: rendition.size, cid: rendition.cid } }),
      ...inclusionCheck(ctx, ritem, rendition.leafIndex),
    );
    if (derived.derivedFrom.evidenceId !== row.id || derived.derivedFrom.sha256 !== event.sha256) {
      findings.push({
        item: ritem,
        check: 'derivation',
        message: 'the derivation event does not name this original',
        expected: `${row.id} ${event.sha256}`,
        found: `${derived.derivedFrom.evidenceId} ${derived.derivedFrom.sha256}`,
        action: 're-derive the rendition from the original (custos rederive) and investigate the record',
      });
    }
    const r = await bytesCheck(ctx, ritem, derived.cid, derived.sha256);
    findings.push(...r.findings);
    bytes += r.bytes;
  }
  return { findings, bytes };
}

/** A live recording: segments 0..n-1 with none missing, each naming the hash of the one before, each intact. */
export async function checkRecording(ctx: ItemContext, recordingId: string): Promise<ItemResult> {
  const recording = ctx.recordings.byId(recordingId);
  const item = `recording ${recordingId}`;
  if (!recording) return { bytes: 0, findings: [{ item, check: 'record', message: 'the recording is gone from the database', action: REVIEW_RECORD }] };
  const findings: Finding[] = [];
  let bytes = 0;
  const segments = ctx.recordings.segments(recordingId).sort((a, b) => a.sequence - b.sequence);
  const count = Math.max(recording.segmentCount, (segments.at(-1)?.sequence ?? -1) + 1);
  let previous: string | null = null;
  let expected = 0;
  for (const segment of segments) {
    const sitem = `segment ${recordingId}#${segment.sequence}`;
    for (; expected < segment.sequence; expected++) {
      findings.push({ item: `segment ${recordingId}#${expected}`, check: 'segment-chain', message: `segment ${expected} of ${count} is missing from the recording`, action: 'restore the segment from the recorder or a backup; the log still holds its event and hash' });
      previous = null; // the gap is the finding; the next link cannot be checked against a missing segment
    }
    expected = segment.sequence + 1;
    const event = JSON.parse(segment.event) as SegmentRecordedEvent;
    if (previous !== null && event.segment.prevSegmentHash !== previous && segment.sequence > 0) {
      findings.push({ item: sitem, check: 'segment-chain', message: `segment ${segment.sequence} does not name the hash of the segment before it`, expected: previous, found: String(event.segment.prevSegmentHash), action: 'investigate the recording’s segments' });
    }
    previous = event.sha256;
    findings.push(
      ...recordChecks(ctx, { item: sitem, leafIndex: segment.leafIndex, event: segment.event, columns: { sha256: segment.sha256, size: segment.size, cid: segment.cid } }),
      ...inclusionCheck(ctx, sitem, segment.leafIndex),
    );
    const r = await bytesCheck(ctx, sitem, event.cid, event.sha256);
    findings.push(...r.findings);
    bytes += r.bytes;
  }
  for (; expected < count; expected++) {
    findings.push({ item: `segment ${recordingId}#${expected}`, check: 'segment-chain', message: `segment ${expected} of ${count} is missing from the recording`, action: 'restore the segment from the recorder or a backup; the log still holds its event and hash' });
  }
  return { findings, bytes };
}
