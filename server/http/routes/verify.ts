/**
 * POST /v1/verify — public. Accepts a proof bundle or {sha256} as JSON, or the
 * raw bytes of a file (streamed and hashed, never stored). The answer is a
 * verification result, not an error: `ok` is true only if every check passed.
 */
import { createHash } from 'node:crypto';
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import type { Check, VerificationResult } from '../../core/verify';
import { verifyBundleOnChain } from '../../services/verification';
import { toEvidenceView, type EvidenceView } from '../../services/evidence-view';
import { readJsonBody } from '../request-input';
import type { AppComponents } from '../components';
import type { EvidenceRow } from '../../adapters/db/evidence-store';

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface VerifyAnswer extends VerificationResult {
  evidence?: EvidenceView;
  anchoredAt?: string;
}

export function verifyRoutes(c: AppComponents): Router {
  const router = new Router();

  /** Verifies the registered record for a hash the caller holds (from a file or given directly). */
  async function verifyRegistered(sha256: string, record: EvidenceRow | null): Promise<VerifyAnswer> {
    if (!record) {
      return { ok: false, checks: [{ check: 'registered', ok: false, code: 'NOT_REGISTERED', message: `no evidence has sha256 ${sha256}` }] };
    }
    const registered: Check = { check: 'registered', ok: true, message: `registered as evidence ${record.id}` };
    const evidence = toEvidenceView(record, c.anchors.latest());
    const built = c.buildProofBundle(record);
    if (built.status === 'pending') {
      const pending: Check = { check: 'anchor', ok: false, code: 'NOT_YET_ANCHORED', message: 'logged, but no anchored head contains it yet; try again shortly' };
      return { ok: false, checks: [registered, pending], evidence };
    }
    const result = await verifyBundleOnChain(built.bundle, c.chain, sha256);
    return { ok: result.ok, checks: [registered, ...result.checks], evidence, anchoredAt: built.bundle.anchor.anchoredAt };
  }

  router.post('/v1/verify', async (ctx) => {
    let answer: VerifyAnswer;
    if (ctx.is('application/json')) {
      const body = await readJsonBody(ctx, c.config.maxJsonBodyBytes);
      if (isHashQuery(body)) {
        if (!SHA256_HEX.test(body.sha256)) throw new AppError('BAD_REQUEST', 'sha256 must be 64 lowercase hex characters');
        answer = await verifyRegistered(body.sha256, c.evidence.bySha256(body.sha256));
      } else {
        answer = await verifyBundleOnChain(body, c.chain);
        if (answer.ok) answer.anchoredAt = (body as { anchor: { anchoredAt: string } }).anchor.anchoredAt;
      }
    } else {
      const sha256 = await hashBody(ctx.req, c.config.maxUploadBytes);
      const evidenceId = ctx.query.evidenceId;
      if (typeof evidenceId === 'string') {
        // Compare against one named record: a tampered file then fails content-hash instead of "not registered".
        const record = c.evidence.byId(evidenceId);
        if (!record) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${evidenceId}`);
        answer = await verifyNamedRecord(record, sha256);
      } else {
        answer = await verifyRegistered(sha256, c.evidence.bySha256(sha256));
      }
    }
    ctx.body = answer;
  });

  async function verifyNamedRecord(record: EvidenceRow, sha256: string): Promise<VerifyAnswer> {
    const evidence = toEvidenceView(record, c.anchors.latest());
    const built = c.buildProofBundle(record);
    if (built.status === 'pending') {
      const content: Check = record.sha256 === sha256
        ? { check: 'content-hash', ok: true, message: 'the file’s SHA-256 matches the recorded one' }
        : { check: 'content-hash', ok: false, code: 'CONTENT_HASH_MISMATCH', message: 'the file’s SHA-256 differs from the recorded one', expected: record.sha256, found: sha256 };
      return { ok: false, checks: [content, { check: 'anchor', ok: false, code: 'NOT_YET_ANCHORED', message: 'not anchored yet' }], evidence };
    }
    const result = await verifyBundleOnChain(built.bundle, c.chain, sha256);
    return { ...result, evidence, anchoredAt: built.bundle.anchor.anchoredAt };
  }

  return router;
}

function isHashQuery(body: unknown): body is { sha256: string } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1 && typeof (body as { sha256?: unknown }).sha256 === 'string';
}

async function hashBody(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `files larger than ${limit} bytes are refused`);
    hash.update(chunk);
  }
  if (size === 0) throw new AppError('EMPTY_BODY', 'send the file’s bytes, a proof bundle or {"sha256": "…"} as JSON');
  return hash.digest('hex');
}
