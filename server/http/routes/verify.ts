/**
 * POST /v1/verify — public. Accepts a proof bundle or {sha256} as JSON, or the
 * raw bytes of a file (streamed and hashed, never stored). The answer is a
 * verification result, not an error: `ok` is true only if every check passed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from '@koa/router';
import { AppError } from '../../core/errors';
import type { Context } from 'koa';
import { contentHashCheck, type Check, type VerificationResult } from '../../core/verify';
import { verifyBundleOnChain } from '../../services/verification';
import { toEvidenceView, type EvidenceView } from '../../services/evidence-view';
import { assertDeclaredLength, readJsonBody } from '../request-input';
import type { AppComponents } from '../components';
import type { EvidenceRow } from '../../adapters/db/evidence-store';
import type { RenditionRow } from '../../adapters/db/media-store';
import { streamFingerprint } from '../../core/stream-fingerprint';
import type { ProofBundle } from '../../core/proof-bundle';

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface VerifyAnswer extends VerificationResult {
  evidence?: EvidenceView;
  /** Set when an unregistered file carries the streams of these originals (a remux). */
  sameStreams?: EvidenceView[];
  /** Set when the file is a rendition: which one. */
  rendition?: { name: string; id: string };
  anchoredAt?: string;
  /** The proof bundle that was verified, so a client (the portal) can check the inclusion proof itself. */
  bundle?: ProofBundle;
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
    return { ok: checks.every((check) => check.ok), checks, evidence, bundle: built.bundle, ...(result.ok ? { anchoredAt: built.bundle.anchor.anchoredAt } : {}) };
  }

  /** A rendition: its bundle carries the original's, and both are verified on the chain. */
  async function verifyRendition(rendition: RenditionRow, sha256: string): Promise<VerifyAnswer> {
    const original = c.evidence.byId(rendition.evidenceId)!;
    const evidence = toEvidenceView(original, c.anchors.latest());
    const registered: Check = { check: 'registered', ok: true, message: `registered as rendition "${rendition.name}" of evidence ${original.id}` };
    const answerBase = { evidence, rendition: { name: rendition.name, id: `${original.id}/${rendition.name}` } };
    const built = c.buildProofBundle(rendition);
    const originalBundle = c.buildProofBundle(original);
    if (built.status === 'pending' || originalBundle.status === 'pending') {
      const pending: Check = { check: 'anchor', ok: false, code: 'NOT_YET_ANCHORED', message: 'logged, but no anchored head contains it yet; try again shortly' };
      return { ok: false, checks: [registered, contentHashCheck(rendition.sha256, sha256), pending], ...answerBase };
    }
    const bundle = { ...built.bundle, derivedFrom: originalBundle.bundle };
    const result = await verifyBundleOnChain(bundle, c.chain, sha256);
    const checks = [registered, ...result.checks];
    const ok = checks.every((check) => check.ok);
    return { ...result, ok, checks, ...answerBase, bundle, ...(ok ? { anchoredAt: built.bundle.anchor.anchoredAt } : {}) };
  }

  /** Finds the record registered for a SHA-256 the caller holds (from a file, or given directly), and verifies it. */
  async function verifyRegistered(sha256: string): Promise<VerifyAnswer> {
    const record = c.evidence.bySha256(sha256);
    if (record) return verifyRecord(record, sha256, [{ check: 'registered', ok: true, message: `registered as evidence ${record.id}` }]);
    const rendition = c.renditions.bySha256(sha256);
    if (rendition) return verifyRendition(rendition, sha256);
    return { ok: false, checks: [{ check: 'registered', ok: false, code: 'NOT_REGISTERED', message: `no evidence or rendition has sha256 ${sha256}` }] };
  }

  /**
   * An unregistered file may still carry an original's streams in another
   * container (a remux): compare its per-stream packet hashes with the
   * logged ones. Reported as its own check; the answer stays `ok: false`,
   * since these bytes are not the evidence.
   */
  async function sameStreamsCheck(file: string): Promise<{ check: Check; originals: EvidenceView[] } | undefined> {
    const tool = c.mediaTool;
    if (!tool) return undefined;
    const probed = await tool.probe(file);
    if (!probed.playable) return undefined;
    const fingerprint = streamFingerprint(await tool.packetHashes(file, probed.info));
    const matches = fingerprint === null ? [] : c.media.byStreamFingerprint(fingerprint);
    const originals = matches.flatMap((m) => c.evidence.byId(m.evidenceId) ?? []).map((row) => toEvidenceView(row, c.anchors.latest()));
    if (originals.length === 0) {
      return { check: { check: 'same-streams', ok: false, code: 'NO_SAME_STREAMS', message: 'no evidence has the same audio/video streams either' }, originals };
    }
    const ids = originals.map((o) => o.id).join(', ');
    return {
      check: { check: 'same-streams', ok: true, message: `same streams as evidence ${ids}, different container: the audio and video packets are identical, the file around them is not` },
      originals,
    };
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
      // ...or one of its renditions (?evidenceId=…&rendition=playback).
      const renditionName = ctx.query.rendition;
      if (renditionName !== undefined && (!record || typeof renditionName !== 'string')) throw new AppError('BAD_REQUEST', 'rendition= needs one evidenceId= and one name');
      const rendition = record && typeof renditionName === 'string' ? c.renditions.get(record.id, renditionName) : undefined;
      if (rendition === null) throw new AppError('RENDITION_NOT_FOUND', `evidence ${evidenceId} has no rendition "${renditionName}"`);
      if (rendition) {
        answer = await verifyRendition(rendition, await hashBody(ctx, c.config.maxUploadBytes));
      } else if (record || !c.mediaTool) {
        const sha256 = await hashBody(ctx, c.config.maxUploadBytes);
        answer = record ? await verifyRecord(record, sha256, []) : await verifyRegistered(sha256);
      } else {
        // Kept on disk for the length of the request, in case it is a remux that ffmpeg must read.
        const spool = join(c.config.dataDir, 'work', `verify-${randomUUID()}`);
        try {
          const sha256 = await hashBody(ctx, c.config.maxUploadBytes, spool);
          answer = await verifyRegistered(sha256);
          const unregistered = answer.checks.length === 1 && answer.checks[0].code === 'NOT_REGISTERED';
          const sameStreams = unregistered ? await sameStreamsCheck(spool) : undefined;
          if (sameStreams) answer = { ok: false, checks: [...answer.checks, sameStreams.check], ...(sameStreams.originals.length > 0 ? { sameStreams: sameStreams.originals } : {}) };
        } finally {
          await rm(spool, { force: true });
        }
      }
    }
    ctx.body = answer;
  });

  return router;
}

function isHashQuery(body: unknown): body is { sha256: string } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1 && typeof (body as { sha256?: unknown }).sha256 === 'string';
}

/** SHA-256 of the request body; with `spool`, the body is also written to that file. */
async function hashBody(ctx: Context, limit: number, spool?: string): Promise<string> {
  assertDeclaredLength(ctx, limit, `files larger than ${limit} bytes are refused`);
  const hash = createHash('sha256');
  let size = 0;
  let out: ReturnType<typeof createWriteStream> | undefined;
  let writeError: Error | undefined;
  if (spool) {
    await mkdir(join(spool, '..'), { recursive: true });
    out = createWriteStream(spool);
    out.on('error', (error) => (writeError = error));
  }
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `files larger than ${limit} bytes are refused`);
      hash.update(chunk);
      if (writeError) throw new AppError('INTERNAL', `cannot spool the file for verification: ${writeError.message}`);
      if (out && !out.write(chunk)) await drained(out);
    }
  } finally {
    if (out) await new Promise<void>((resolve, reject) => out!.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  if (size === 0) throw new AppError('EMPTY_BODY', 'send the file’s bytes, a proof bundle or {"sha256": "…"} as JSON');
  return hash.digest('hex');
}

/** Waits for 'drain' (or an error, reported by the caller), leaving no listener behind. */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}
