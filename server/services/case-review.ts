/**
 * The review chain of a case (五级审核): decisions per stage, strictly in
 * order, each a custody.review event bound to the deciding account (token id,
 * name, role, certificate) in the log. The state is recomputed from the logged
 * decisions (core/review.ts), never stored beside them.
 */
import { AppError } from '../core/errors';
import { checkDecision, reviewState, type ReviewStage } from '../core/review';
import { reviewPayload, verifyReviewSignature, type ReviewStatement } from '../core/review-signature';
import { DEVICE_KEY_ALGORITHM } from '../core/device-signature';
import type { CaseRow, CaseStore } from '../adapters/db/case-store';
import type { ReviewStore } from '../adapters/db/review-store';
import type { TokenRecord } from '../adapters/db/token-store';
import type { Custody } from './custody';
import type { Cases } from './cases';

export interface CaseReviewComponents {
  reviews: ReviewStore;
  caseStore: CaseStore;
  custody: Custody;
  cases: Cases;
  stages: readonly ReviewStage[];
  /** Refuse decisions without the deciding account's signature. */
  requireSignature: boolean;
}

export function createCaseReview({ reviews, caseStore, custody, cases, stages, requireSignature }: CaseReviewComponents) {
  const currentEvidence = (code: string): string[] => caseStore.attachments(code).filter((a) => !a.detachedAt).map((a) => a.evidenceId);
  const stateOf = (code: string) => reviewState(reviews.forCase(code), stages.length, currentEvidence(code));

  return {
    stages,
    /** The review trail and where the case stands. */
    view(row: CaseRow) {
      const state = stateOf(row.code);
      const next = state.nextStageIndex === null ? null : stages[state.nextStageIndex];
      return {
        stages: stages.map(({ id, en, zh }) => ({ id, en, zh })),
        round: state.round,
        state: state.complete ? 'reviewed' : 'pending',
        nextStage: next ? { id: next.id, en: next.en, zh: next.zh, roles: next.roles } : null,
        reviewedEvidenceIds: state.reviewedEvidenceIds,
        decisions: reviews.forCase(row.code).map((d) => ({ ...d, stage: stages[d.stageIndex]?.id ?? `#${d.stageIndex}` })),
        /** What the next decision signs over, apart from decision and reason. */
        evidenceIds: currentEvidence(row.code),
      };
    },
    /** Whether every stage approved the case's current evidence set. */
    complete(code: string): boolean {
      return stateOf(code).complete;
    },
    decide(token: TokenRecord, code: string, input: { stage?: unknown; decision?: unknown; reason?: unknown; signature?: unknown }) {
      const row = cases.find(code, token);
      if (row.status !== 'under-review') throw new AppError('REVIEW_NOT_OPEN', `case ${row.code} is ${row.status}; decisions are taken while it is under-review`);
      if (input.decision !== 'approve' && input.decision !== 'reject') throw new AppError('BAD_REQUEST', 'decision is approve or reject');
      const reason = typeof input.reason === 'string' && input.reason.trim() !== '' ? input.reason.trim() : undefined;
      if (reason !== undefined && reason.length > 2000) throw new AppError('BAD_REQUEST', 'a reason is at most 2000 characters');
      if (input.decision === 'reject' && !reason) throw new AppError('BAD_REQUEST', 'a rejection needs its reason');
      const evidenceIds = currentEvidence(row.code);
      if (evidenceIds.length === 0) throw new AppError('REVIEW_NOT_OPEN', `case ${row.code} has no evidence attached to review`);
      const state = stateOf(row.code);
      const stageIndex = checkDecision(state, stages, String(input.stage), token.id, token.role);
      const stage = stages[stageIndex];
      const statement: ReviewStatement = { caseCode: row.code, round: state.round, stage: stage.id, decision: input.decision, ...(reason ? { reason } : {}), evidenceIds };
      const signature = checkedSignature(token, statement, input.signature, requireSignature);
      const event = custody.event('custody.review', token, {
        caseCode: row.code,
        review: { round: state.round, stage: stage.id, stageIndex, decision: input.decision, ...(reason ? { reason } : {}), evidenceIds, ...(signature ? { signature } : {}) },
        purpose: `review: ${stage.en} (${stage.zh})`,
      });
      const leafIndex = custody.record(event, (leaf) =>
        reviews.insert(row.code, { leafIndex: leaf, round: state.round, stageIndex, decision: input.decision as 'approve' | 'reject', tokenId: token.id, evidenceIds, at: event.at }),
      );
      return { leafIndex, event };
    },
  };
}

export type CaseReview = ReturnType<typeof createCaseReview>;

/** The decision's signature by the account's own key, checked; what to sign is in the error's details. */
function checkedSignature(token: TokenRecord, statement: ReviewStatement, value: unknown, required: boolean) {
  const details = { sign: JSON.parse(new TextDecoder().decode(reviewPayload(statement))) as unknown };
  if (value === undefined || value === null || value === '') {
    if (!required) return undefined;
    throw new AppError('REVIEW_SIGNATURE_REQUIRED', token.publicKey
      ? 'sign the decision with your account key (custos review decide does it): the JCS bytes of details.sign, Ed25519, base64, as "signature"'
      : 'review decisions are signed by the deciding account: register the account’s public key (custos token create --public-key)', { details });
  }
  if (!token.publicKey) throw new AppError('REVIEW_SIGNATURE_INVALID', 'this account has no registered key to check the signature with', { details });
  if (typeof value !== 'string' || !verifyReviewSignature(token.publicKey, value, statement)) {
    throw new AppError('REVIEW_SIGNATURE_INVALID', 'the signature does not verify with this account’s key over this decision (the case may have changed: sign details.sign again)', { details });
  }
  return { algorithm: DEVICE_KEY_ALGORITHM as typeof DEVICE_KEY_ALGORITHM, publicKey: token.publicKey, value };
}
