/** /v1/evidence: upload (streamed), records, content (Range, ETag) and proof bundles. */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../core/errors';
import { parseEvidenceMetadata } from '../../core/evidence-metadata';
import { requirePermission } from '../auth';
import { parseReprDigest } from '../../core/repr-digest';
import { assertDeclaredLength, declaredLength, readJsonBody } from '../request-input';
import { sendStored } from '../send-stored';
import { custodyHistory, logContentRead, logProofRead, requirePurpose } from '../custody-read';
import { toEvidenceView, type EvidenceView } from '../../services/evidence-view';
import { toMediaView } from '../../services/media-view';
import { evidenceVisible } from '../../services/case-shares';
import type { AppComponents } from '../components';
import type { EvidenceRow } from '../../adapters/db/evidence-store';

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const EVIDENCE_ID = /^ev_[0-9a-f-]{36}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function evidenceRoutes(c: AppComponents): Router {
  const router = new Router({ prefix: '/v1/evidence' });
  const canUpload = requirePermission(c.tokens, 'evidence.upload');
  const canReadRecords = requirePermission(c.tokens, 'evidence.read');
  const canReadContent = requirePermission(c.tokens, 'evidence.content');
  const canCertify = requirePermission(c.tokens, 'notary.certify');

  /** The record with its media part (probe, renditions, jobs). */
  const fullView = (record: EvidenceRow): EvidenceView => ({
    ...toEvidenceView(record, c.anchors.latest()),
    media: toMediaView(c.config.media.enabled, c.media.byEvidence(record.id), c.renditions.forEvidence(record.id), c.jobs.forEvidence(record.id)),
  });

  /** Evidence the caller may see: a court sees only evidence attached to a case shared with it. */
  const findRecord = (ctx: Context, id: string): EvidenceRow => {
    const record = EVIDENCE_ID.test(id) ? c.evidence.byId(id) : null;
    if (!record || !evidenceVisible(c.shares, ctx.state.token, record.id)) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${id}`);
    return record;
  };

  router.post('/', canUpload, async (ctx) => {
    const metadata = parseEvidenceMetadata(readMetadataHeader(ctx, c.config.maxMetadataBytes));
    const declaredSha256 = parseReprDigest(ctx.get('Repr-Digest'));
    const deviceSignature = ctx.get('Custos-Device-Signature').trim() || undefined;
    assertDeclaredLength(ctx, c.config.maxUploadBytes, `recordings larger than ${c.config.maxUploadBytes} bytes are refused`);
    await c.storage.assertRoomFor(declaredLength(ctx), 'this recording');
    const { evidence, created } = await c.ingest({
      body: ctx.req,
      metadata,
      mediaType: parseMediaType(ctx.get('Content-Type')),
      declaredSha256,
      deviceSignature,
      uploader: ctx.state.actor,
    });
    ctx.status = created ? 201 : 200;
    ctx.set('Location', `/v1/evidence/${evidence.id}`);
    ctx.body = fullView(evidence);
  });

  router.get('/', canReadRecords, (ctx) => {
    const sha256 = ctx.query.sha256;
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
      throw new AppError('BAD_REQUEST', 'give ?sha256= with 64 lowercase hex characters');
    }
    const record = c.evidence.bySha256(sha256);
    if (!record || !evidenceVisible(c.shares, ctx.state.token, record.id)) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with sha256 ${sha256}`);
    ctx.body = fullView(record);
  });

  router.get('/:id', canReadRecords, (ctx) => {
    ctx.body = fullView(findRecord(ctx, ctx.params.id));
  });

  router.get('/:id/proof', canReadRecords, (ctx) => {
    const result = c.buildProofBundle(findRecord(ctx, ctx.params.id));
    if (result.status === 'pending') {
      ctx.status = 202;
      ctx.set('Retry-After', String(Math.max(1, Math.ceil(c.config.anchorIntervalMs / 1000))));
      ctx.body = { status: 'pending', leafIndex: result.leafIndex, message: 'logged; the proof is ready once the next log head is anchored' };
      return;
    }
    logProofRead(ctx, c, { evidenceId: ctx.params.id, read: { object: 'proof' } });
    ctx.body = result.bundle;
  });

  /** Every custody event about this evidence, each with the proof that it is in the anchored log (or pending). */
  router.get('/:id/custody', canReadRecords, (ctx) => {
    const record = findRecord(ctx, ctx.params.id);
    ctx.body = { evidenceId: record.id, events: custodyHistory(c, c.custodyStore.leavesForEvidence(record.id)) };
  });

  /** A notary files a preservation certificate: a statement signed with its office's chain key (see services/notary.ts). */
  router.post('/:id/notarizations', canCertify, async (ctx) => {
    const record = findRecord(ctx, ctx.params.id);
    const body = (await readJsonBody(ctx, c.config.maxJsonBodyBytes)) as { statement?: unknown; signature?: unknown };
    const { leafIndex, event } = await c.notary.certify(ctx.state.token, record.id, body ?? {});
    ctx.status = 201;
    ctx.body = { leafIndex, certificateNumber: event.statement.certificateNumber, notary: event.statement.notary, statement: event.statement, signature: event.signature };
  });

  router.get('/:id/notarizations', canReadRecords, (ctx) => {
    const record = findRecord(ctx, ctx.params.id);
    ctx.body = { evidenceId: record.id, notarizations: c.notary.proofsFor(record.leafIndex) };
  });

  router.get('/:id/content', canReadContent, (ctx) => {
    const record = findRecord(ctx, ctx.params.id);
    const purpose = requirePurpose(ctx);
    sendStored(ctx, c.content, record, (range) => logContentRead(ctx, c, purpose, { evidenceId: record.id, read: { object: 'content', ...(range ? { range } : {}) } }));
  });

  return router;
}

function readMetadataHeader(ctx: Context, maxBytes: number): unknown {
  const raw = ctx.get('Custos-Metadata');
  if (raw === '') throw new AppError('INVALID_METADATA', 'send the recording’s metadata as JSON in the Custos-Metadata header');
  if (Buffer.byteLength(raw, 'latin1') > maxBytes) {
    throw new AppError('METADATA_TOO_LARGE', `Custos-Metadata is limited to ${maxBytes} bytes`, { details: { maxMetadataBytes: maxBytes } });
  }
  // Node hands header bytes over as latin1; metadata is UTF-8 JSON (Chinese names and notes are common).
  const text = Buffer.from(raw, 'latin1').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('INVALID_METADATA', 'Custos-Metadata is not valid JSON', { cause });
  }
}

function parseMediaType(header: string): string {
  const type = header.split(';')[0].trim().toLowerCase();
  if (type === '') return 'application/octet-stream';
  if (!MEDIA_TYPE.test(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type "${type}" is not a media type`);
  return type;
}
