/**
 * /v1/recordings: live recordings, segment by segment.
 *
 *   PUT  /v1/recordings/:id                      open (JSON recording metadata; signed)
 *   PUT  /v1/recordings/:id/segments/:sequence   one segment (raw bytes; Repr-Digest and
 *                                                Custos-Segment-Prev required; signed)
 *   POST /v1/recordings/:id/seal                 close ({segmentCount, sealedAt}; signed)
 *   GET  /v1/recordings/:id                      the recording, its segments and anchor status
 *   GET  /v1/recordings/:id/content              the whole recording (segments concatenated)
 *   GET  /v1/recordings/:id/segments/:n/content  one segment
 *   GET  /v1/recordings/:id/segments/:n/proof    one segment's proof bundle
 *   GET  /v1/recordings/:id/verification         the whole chain checked
 */
import { Readable } from 'node:stream';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../core/errors';
import { parseReprDigest } from '../../core/repr-digest';
import { RECORDING_ID, type RecordingSealedEvent, type RecordingStartedEvent, type SegmentRecordedEvent } from '../../core/recording-events';
import { keyId } from '../../core/device-signature';
import { requirePermission } from '../auth';
import { assertDeclaredLength, declaredLength, readJsonBody } from '../request-input';
import { sendStored } from '../send-stored';
import { logContentRead, logProofRead, requirePurpose } from '../custody-read';
import { anchorView } from '../../services/evidence-view';
import type { AppComponents } from '../components';
import type { RecordingRow } from '../../adapters/db/recording-store';

const SEQUENCE = /^(0|[1-9]\d{0,7})$/;
const HEX32 = /^[0-9a-f]{64}$/;

export function recordingRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/recordings/:id' });
  const canRecord = requirePermission(c.tokens, 'evidence.upload');
  const canRead = requirePermission(c.tokens, 'recording.read');
  // Segment bytes need both: recording.read keeps courts out, evidence.content keeps out roles that never see bytes.
  const canReadContent = requirePermission(c.tokens, 'evidence.content');

  const recordingId = (ctx: Context): string => {
    if (!RECORDING_ID.test(ctx.params.id)) throw new AppError('RECORDING_NOT_FOUND', `no recording ${ctx.params.id} (ids are rec_<uuid>)`);
    return ctx.params.id;
  };
  const signatureOf = (ctx: Context) => ctx.get('Custos-Device-Signature').trim() || undefined;
  const segmentOf = (ctx: Context) => {
    const { sequence } = ctx.params;
    const segment = SEQUENCE.test(sequence) ? c.recordings.segment(recordingId(ctx), Number(sequence)) : null;
    if (!segment) throw new AppError('NOT_FOUND', `recording ${ctx.params.id} has no segment ${sequence}`);
    return segment;
  };

  router.put('/', canRecord, async (ctx) => {
    const body = await readJsonBody(ctx, c.config.maxJsonBodyBytes);
    const id = recordingId(ctx);
    if (typeof body !== 'object' || body === null || (body as { recordingId?: unknown }).recordingId !== id) {
      throw new AppError('BAD_REQUEST', 'the body must be the recording metadata, with recordingId equal to the id in the path');
    }
    const { row, created } = c.recordingService.start(body, signatureOf(ctx), ctx.state.actor);
    ctx.status = created ? 201 : 200;
    ctx.body = view(row);
  });

  router.put('/segments/:sequence', canRecord, async (ctx) => {
    const id = recordingId(ctx);
    if (!SEQUENCE.test(ctx.params.sequence)) throw new AppError('BAD_REQUEST', 'the sequence is a non-negative integer');
    const declaredSha256 = parseReprDigest(ctx.get('Repr-Digest'));
    if (!declaredSha256) throw new AppError('INVALID_DIGEST_HEADER', 'a segment needs Repr-Digest: sha-256=:<base64>: (its hash is what the chain links)');
    const prev = ctx.get('Custos-Segment-Prev').trim();
    if (prev !== 'none' && !HEX32.test(prev)) throw new AppError('BAD_REQUEST', 'Custos-Segment-Prev is the previous segment’s SHA-256 (hex), or "none" for the first');
    assertDeclaredLength(ctx, c.config.maxUploadBytes, `segments larger than ${c.config.maxUploadBytes} bytes are refused`);
    await c.storage.assertRoomFor(declaredLength(ctx), 'this segment');
    const { segment, created } = await c.recordingService.addSegment({
      recordingId: id,
      sequence: Number(ctx.params.sequence),
      prevSegmentHash: prev === 'none' ? null : prev,
      body: ctx.req,
      declaredSha256,
      deviceSignature: signatureOf(ctx),
      uploader: ctx.state.actor,
    });
    ctx.status = created ? 201 : 200;
    ctx.body = { recordingId: id, sequence: segment.sequence, sha256: segment.sha256, size: segment.size, cid: segment.cid, leafIndex: segment.leafIndex, receivedAt: segment.receivedAt };
  });

  router.post('/seal', canRecord, async (ctx) => {
    const body = await readJsonBody(ctx, c.config.maxJsonBodyBytes);
    ctx.body = view(c.recordingService.seal(recordingId(ctx), body, signatureOf(ctx), ctx.state.actor));
  });

  router.get('/', canRead, (ctx) => {
    ctx.body = view(c.recordingService.find(recordingId(ctx)));
  });

  router.get('/verification', canRead, async (ctx) => {
    ctx.body = await c.recordingService.verify(recordingId(ctx));
  });

  router.get('/content', canRead, canReadContent, (ctx) => {
    const recording = c.recordingService.find(recordingId(ctx));
    logContentRead(ctx, c, requirePurpose(ctx), { read: { object: 'recording', recordingId: recording.id } });
    const segments = c.recordings.segments(recording.id);
    const started = JSON.parse(recording.startedEvent) as RecordingStartedEvent;
    ctx.type = started.recording.format === 'mpegts' ? 'video/mp2t' : 'application/octet-stream';
    ctx.length = segments.reduce((sum, s) => sum + s.size, 0);
    ctx.set('Cache-Control', 'private, no-transform');
    // MPEG-TS segments concatenate into one playable stream.
    ctx.body = Readable.from(
      (async function* () {
        for (const segment of segments) yield* c.content.get(segment.cid);
      })(),
    );
  });

  router.get('/segments/:sequence/content', canRead, canReadContent, (ctx) => {
    const segment = segmentOf(ctx);
    const purpose = requirePurpose(ctx);
    sendStored(ctx, c.content, { ...segment, mediaType: 'video/mp2t' }, (range) =>
      logContentRead(ctx, c, purpose, { read: { object: 'segment', recordingId: segment.recordingId, sequence: segment.sequence, ...(range ? { range } : {}) } }),
    );
  });

  router.get('/segments/:sequence/proof', canRead, (ctx) => {
    const built = c.buildProofBundle(segmentOf(ctx));
    if (built.status === 'pending') {
      ctx.status = 202;
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(c.config.anchorIntervalMs / 1000))));
      ctx.body = { status: 'pending', leafIndex: built.leafIndex, message: 'logged; the proof is ready once the next log head is anchored' };
      return;
    }
    logProofRead(ctx, c, { read: { object: 'proof', recordingId: ctx.params.id, sequence: Number(ctx.params.sequence) } });
    ctx.body = built.bundle;
  });

  function view(recording: RecordingRow) {
    const started = JSON.parse(recording.startedEvent) as RecordingStartedEvent;
    const sealed = recording.sealedEvent ? (JSON.parse(recording.sealedEvent) as RecordingSealedEvent) : null;
    const anchored = c.anchors.latest();
    const covered = (leaf: number) => anchored !== null && anchored.treeSize > leaf;
    const rows = c.recordings.segments(recording.id);
    const lastLeaf = recording.sealedLeaf ?? Math.max(recording.startedLeaf, ...rows.map((s) => s.leafIndex));
    return {
      id: recording.id,
      ...started.recording,
      signed: started.deviceSignature !== undefined,
      ...(started.deviceSignature ? { keyId: keyId(started.deviceSignature.publicKey) } : {}),
      state: sealed ? 'sealed' : 'live',
      segmentCount: recording.segmentCount,
      lastSegmentHash: recording.lastSha256,
      ...(sealed ? { sealedAt: sealed.seal.sealedAt } : {}),
      segments: rows.map((segment) => {
        const event = JSON.parse(segment.event) as SegmentRecordedEvent;
        return {
          sequence: segment.sequence,
          sha256: segment.sha256,
          prevSegmentHash: event.segment.prevSegmentHash,
          size: segment.size,
          cid: segment.cid,
          leafIndex: segment.leafIndex,
          receivedAt: segment.receivedAt,
          status: covered(segment.leafIndex) ? 'anchored' : 'pending',
        };
      }),
      // Anchored once everything logged so far (up to the seal, if sealed) is in an anchored head.
      status: covered(lastLeaf) ? 'anchored' : 'pending',
      ...(anchored ? { anchor: anchorView(anchored) } : {}),
      content: `/v1/recordings/${recording.id}/content`,
      verification: `/v1/recordings/${recording.id}/verification`,
    };
  }

  return router;
}
