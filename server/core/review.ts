/**
 * The review chain (五级审核): an ordered list of stages a case's evidence
 * passes before the case can be decided. Pure: the state is computed from the
 * logged decisions, never stored beside them, so it cannot drift from the log.
 *
 * Rules:
 * - stages approve strictly in order; a decision for any other stage is refused;
 * - a rejection (with its reason) ends the round: the next round starts again at
 *   the first stage;
 * - a round covers one evidence set; attaching or detaching evidence mid-round
 *   starts a new round at the next decision (approvals of another set do not count);
 * - one account decides at most one stage of a round (no one reviews their own review).
 */
import { z } from 'zod';
import { AppError } from './errors';

export interface ReviewStage {
  /** Stable id, logged with each decision. */
  id: string;
  en: string;
  zh: string;
  /** Roles that may decide this stage. */
  roles: readonly string[];
}

export const reviewStagesSchema = z
  .array(
    z
      .object({
        id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
        en: z.string().min(1).max(100),
        zh: z.string().min(1).max(100),
        roles: z.array(z.enum(['officer', 'reviewer', 'admin'])).min(1),
      })
      .strict(),
  )
  .min(1)
  .max(20)
  .refine((stages) => new Set(stages.map((s) => s.id)).size === stages.length, 'stage ids must be unique');

/** Default: handling officer → legal officer → squad leader → legal section → collegial panel. */
export const DEFAULT_REVIEW_STAGES: readonly ReviewStage[] = [
  { id: 'handling-officer', en: 'handling officer', zh: '承办人', roles: ['officer'] },
  { id: 'legal-officer', en: 'legal officer', zh: '法制员', roles: ['reviewer'] },
  { id: 'squad-leader', en: 'squad leader', zh: '中队长', roles: ['officer', 'reviewer'] },
  { id: 'legal-section', en: 'legal section', zh: '法制科', roles: ['reviewer'] },
  { id: 'collegial-panel', en: 'collegial panel', zh: '集体讨论', roles: ['reviewer'] },
];

/** One logged decision, as the state needs it. */
export interface ReviewDecision {
  round: number;
  stageIndex: number;
  decision: 'approve' | 'reject';
  tokenId: string;
  evidenceIds: readonly string[];
  leafIndex: number;
  at: string;
}

export interface ReviewState {
  /** The round the next decision belongs to. */
  round: number;
  /** Index of the stage that decides next; null when the round is complete. */
  nextStageIndex: number | null;
  /** Approvals so far in this round. */
  approvals: readonly ReviewDecision[];
  /** The evidence set covered by the latest complete round (empty if none). */
  reviewedEvidenceIds: readonly string[];
  /** True when the latest round is complete and covers exactly the current evidence set. */
  complete: boolean;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** The state after `decisions` (in log order), for the case's current evidence set. */
export function reviewState(decisions: readonly ReviewDecision[], stageCount: number, currentEvidenceIds: readonly string[]): ReviewState {
  let round = 1;
  let approvals: ReviewDecision[] = [];
  let reviewed: readonly string[] = [];
  for (const d of decisions) {
    round = d.round;
    if (d.decision === 'reject') {
      approvals = [];
      round = d.round + 1;
      continue;
    }
    approvals = approvals.length > 0 && approvals[0].round === d.round ? [...approvals, d] : [d];
    if (approvals.length === stageCount) {
      reviewed = d.evidenceIds;
      approvals = [];
      round = d.round + 1;
    }
  }
  // Approvals of another evidence set do not carry over: the next decision opens a new round.
  if (approvals.length > 0 && !sameSet(approvals[0].evidenceIds, currentEvidenceIds)) {
    approvals = [];
    round += 1;
  }
  const lastCompleteCoversCurrent = reviewed.length > 0 && sameSet(reviewed, currentEvidenceIds);
  const complete = approvals.length === 0 && lastCompleteCoversCurrent;
  return { round, nextStageIndex: complete ? null : approvals.length, approvals, reviewedEvidenceIds: reviewed, complete };
}

/**
 * Checks that `tokenId` (with `role`) may decide `stageId` now; returns the
 * stage index. Throws REVIEW_OUT_OF_ORDER, REVIEW_NOT_ALLOWED or REVIEW_COMPLETE.
 */
export function checkDecision(state: ReviewState, stages: readonly ReviewStage[], stageId: string, tokenId: string, role: string): number {
  const index = stages.findIndex((s) => s.id === stageId);
  if (index < 0) throw new AppError('BAD_REQUEST', `stage is one of ${stages.map((s) => s.id).join(', ')}`);
  if (state.nextStageIndex === null) throw new AppError('REVIEW_COMPLETE', 'every stage has approved this evidence set; attach or detach evidence to review again');
  if (index !== state.nextStageIndex) {
    const next = stages[state.nextStageIndex];
    throw new AppError('REVIEW_OUT_OF_ORDER', `stages decide in order: the next is ${next.id} (${next.en}, ${next.zh}), not ${stageId}`);
  }
  const stage = stages[index];
  if (!stage.roles.includes(role)) throw new AppError('REVIEW_NOT_ALLOWED', `stage ${stage.id} is decided by ${stage.roles.join(' or ')}, not ${role}`);
  if (state.approvals.some((a) => a.tokenId === tokenId)) {
    throw new AppError('REVIEW_NOT_ALLOWED', 'one account decides at most one stage of a round: another reviewer must decide this stage');
  }
  return index;
}
