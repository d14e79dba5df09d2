/**
 * The pure check of a live recording's chain of segments, as logged: every
 * segment in order from 0 with no gap or repeat, each naming the hash of the
 * one before, all from the recording's device, and (once sealed) the seal
 * naming exactly the last segment and the count. Bytes, signatures and
 * anchoring are checked by the caller, which has them.
 */
import { failed, pass, type Check } from './verify';
import type { RecordingSealedEvent, RecordingStartedEvent, SegmentRecordedEvent } from './recording-events';

export function checkSegmentChain(started: RecordingStartedEvent, segments: readonly SegmentRecordedEvent[], sealed: RecordingSealedEvent | null): Check[] {
  const { recordingId, deviceId } = started.recording;
  const checks: Check[] = [];

  const outOfPlace = segments.findIndex((s, i) => s.segment.sequence !== i);
  const foreign = segments.find((s) => s.segment.recordingId !== recordingId || s.segment.deviceId !== deviceId);
  if (foreign) {
    checks.push(failed('segment-order', 'SEGMENT_FOREIGN', `segment ${foreign.segment.sequence} belongs to ${foreign.segment.recordingId} of ${foreign.segment.deviceId}, not to this recording`));
  } else if (outOfPlace >= 0) {
    const found = segments[outOfPlace].segment.sequence;
    const code = found > outOfPlace ? 'SEGMENT_GAP' : 'SEGMENT_REORDERED';
    checks.push(failed('segment-order', code, `position ${outOfPlace} holds segment ${found}: ${code === 'SEGMENT_GAP' ? `segment ${outOfPlace} is missing` : 'segments are repeated or out of order'}`, String(outOfPlace), String(found)));
  } else {
    checks.push(pass('segment-order', `${segments.length} segments, numbered 0 to ${segments.length - 1} without a gap`));
  }

  const broken = segments.findIndex((s, i) => s.segment.prevSegmentHash !== (i === 0 ? null : segments[i - 1].sha256));
  if (broken >= 0) {
    const expected = broken === 0 ? 'null' : segments[broken - 1].sha256;
    checks.push(failed('segment-chain', 'SEGMENT_CHAIN_BROKEN', `segment ${segments[broken].segment.sequence} does not name the segment before it`, expected, String(segments[broken].segment.prevSegmentHash)));
  } else {
    checks.push(pass('segment-chain', segments.length === 0 ? 'no segments yet' : 'each segment names the hash of the one before it'));
  }

  if (!sealed) {
    checks.push(pass('seal', 'not sealed: the recording is still live, or its recorder has not sent the seal yet'));
  } else {
    const last = segments.length > 0 ? segments[segments.length - 1].sha256 : null;
    if (sealed.seal.segmentCount !== segments.length || sealed.lastSegmentHash !== last) {
      checks.push(failed('seal', 'SEAL_MISMATCH', 'the seal names another segment count or last segment than the log holds', `${sealed.seal.segmentCount} segments, last ${sealed.lastSegmentHash}`, `${segments.length} segments, last ${last}`));
    } else {
      checks.push(pass('seal', `sealed after ${segments.length} segments on ${sealed.seal.sealedAt}`));
    }
  }
  return checks;
}
