/**
 * POST /v1/verify — public. Accepts a proof bundle or {sha256} as JSON, or the
 * raw bytes of a file (streamed and hashed, never stored). The answer is a
 * verification result, not an error: `ok` is true only if every check passed.
 */
import { createHash } from 'node:crypto';
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import type { Context } from 'koa';
import { contentHashCheck, type Check, type VerificationResult } from '../../core/verify';
import { verifyBundleOnChain } from '../../services/verification';
import { toEvidenceView, type EvidenceView } from '../../services/evidence-view';
import { assertDeclaredLength, readJsonBody } from '../request-input';
import type { AppComponents } from '../components';
import type { EvidenceRow } from '../../adapters/db/evidence-store';

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface VerifyAnswer extends VerificationResult {
  evidence?: EvidenceView;
  anchoredAt?: string;
}

export function verifyRoutes(c: AppComponents): Router {
  const router = new Router();

  /**
   * Verifies one record against the SHA-256 the caller holds: its bundle on the
   * chain, after `leading` checks that say how the record was found.
   */
  async function verifyRecord(record: EvidenceRow, sha256: string, leading: Check[]): Promise<VerifyAnswer> {
    const evidence = toEvidenceView(record, c.anchors.latest());
    const built = c.buildProofBundle(record);
    if (built.status === 'pending') {
      const pending: Check = { check: 'anchor', ok: false, code: 'NOT_YET_ANCHORED', message: 'logged, but no anchored head contains it yet; try again shortly' };
      return { ok: false, checks: [...leading, contentHashCheck(record.sha256, sha256), pending], evidence };
    }
    const result = await verifyBundleOnChain(built.bundle, c.chain, sha256);
    const checks = [...leading, ...result.checks];
    return { ok: checks.every((check) => check.ok), checks, evidence, ...(result.ok ? { anchoredAt: built.bundle.anchor.anchoredAt } : {}) };
  }

  /** Finds the record registered for a SHA-256 the caller holds (from a file, or given directly), and verifies it. */
  async function verifyRegistered(sha256: string): Promise<VerifyAnswer> {
    const record = c.evidence.bySha256(sha256);
    if (!record) {
      return { ok: false, checks: [{ check: 'registered', ok: false, code: 'NOT_REGISTERED', message: `no evidence has sha256 ${sha256}` }] };
    }
    return verifyRecord(record, sha256, [{ check: 'registered', ok: true, message: `registered as evidence ${record.id}` }]);
  }

  router.post('/v1/verify', async (ctx) => {
    let answer: VerifyAnswer;
    if (ctx.is('application/json')) {
      const body = await readJsonBody(ctx, c.config.maxJsonBodyBytes);
      if (isHashQuery(body)) {
        if (!SHA256_HEX.test(body.sha256)) throw new AppError('BAD_REQUEST', 'sha256 must be 64 lowercase hex characters');
        answer = await verifyRegistered(body.sha256);
      } else {
        answer = await verifyBundleOnChain(body, c.chain);
        if (answer.ok) answer.anchoredAt = (body as { anchor: { anchoredAt: string } }).anchor.anchoredAt;
      }
    } else {
      // Compare against one named record: a tampered file then fails content-hash instead of "not registered".
      // Looked up before the body is read, so a wrong id costs no upload.
      const evidenceId = ctx.query.evidenceId;
      const record = typeof evidenceId === 'string' ? c.evidence.byId(evidenceId) : undefined;
      if (record === null) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${evidenceId}`);
      const sha256 = await hashBody(ctx, c.config.maxUploadBytes);
      answer = record ? await verifyRecord(record, sha256, []) : await verifyRegistered(sha256);
    }
    ctx.body = answer;
  });

  return router;
}

function isHashQuery(body: unknown): body is { sha256: string } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1 && typeof (body as { sha256?: unknown }).sha256 === 'string';
}

async function hashBody(ctx: Context, limit: number): Promise<string> {
  assertDeclaredLength(ctx, limit, `files larger than ${limit} bytes are refused`);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `files larger than ${limit} bytes are refused`);
    hash.update(chunk);
  }
  if (size === 0) throw new AppError('EMPTY_BODY', 'send the file’s bytes, a proof bundle or {"sha256": "…"} as JSON');
  return hash.digest('hex');
}
