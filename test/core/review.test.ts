import { expect } from 'chai';
import { loadConfig } from '../../server/config';
import { DEFAULT_REVIEW_STAGES, checkDecision, reviewState, reviewStagesSchema, type ReviewDecision } from '../../server/core/review';

const approve = (round: number, stageIndex: number, tokenId: string, evidenceIds = ['ev_a'], leafIndex = round * 10 + stageIndex): ReviewDecision => ({
  round,
  stageIndex,
  decision: 'approve',
  tokenId,
  evidenceIds,
  leafIndex,
  at: '2026-11-23T00:00:00.000Z',
});

describe('review chain state (pure)', () => {
  it('starts at the first stage of round 1, not reviewed', () => {
    expect(reviewState([], 5, ['ev_a'])).to.deep.include({ round: 1, nextStageIndex: 0, complete: false });
  });

  it('is complete only after every stage approved in order, for the current evidence set', () => {
    const all = [0, 1, 2, 3, 4].map((i) => approve(1, i, `tok_${i}`));
    expect(reviewState(all.slice(0, 4), 5, ['ev_a'])).to.deep.include({ nextStageIndex: 4, complete: false });
    expect(reviewState(all, 5, ['ev_a'])).to.deep.include({ nextStageIndex: null, complete: true, reviewedEvidenceIds: ['ev_a'] });
    // New evidence after completion: a new round is needed.
    expect(reviewState(all, 5, ['ev_a', 'ev_b'])).to.deep.include({ round: 2, nextStageIndex: 0, complete: false });
  });

  it('restarts at the first stage after a rejection, in the next round', () => {
    const decisions: ReviewDecision[] = [approve(1, 0, 'tok_0'), { ...approve(1, 1, 'tok_1'), decision: 'reject' }];
    expect(reviewState(decisions, 5, ['ev_a'])).to.deep.include({ round: 2, nextStageIndex: 0 });
  });

  it('drops approvals of another evidence set', () => {
    expect(reviewState([approve(1, 0, 'tok_0', ['ev_a'])], 5, ['ev_a', 'ev_b'])).to.deep.include({ round: 2, nextStageIndex: 0, approvals: [] });
  });

  it('checks order, role and one-stage-per-account', () => {
    const state = reviewState([approve(1, 0, 'tok_officer')], 5, ['ev_a']);
    expect(checkDecision(state, DEFAULT_REVIEW_STAGES, 'legal-officer', 'tok_r', 'reviewer')).to.equal(1);
    expect(() => checkDecision(state, DEFAULT_REVIEW_STAGES, 'squad-leader', 'tok_r', 'reviewer')).to.throw().with.property('code', 'REVIEW_OUT_OF_ORDER');
    expect(() => checkDecision(state, DEFAULT_REVIEW_STAGES, 'legal-officer', 'tok_o2', 'officer')).to.throw().with.property('code', 'REVIEW_NOT_ALLOWED');
    const twice = reviewState([approve(1, 0, 'tok_x'), approve(1, 1, 'tok_y')], 5, ['ev_a']);
    expect(() => checkDecision(twice, DEFAULT_REVIEW_STAGES, 'squad-leader', 'tok_x', 'officer')).to.throw().with.property('code', 'REVIEW_NOT_ALLOWED');
    expect(() => checkDecision(state, DEFAULT_REVIEW_STAGES, 'no-such-stage', 'tok_r', 'reviewer')).to.throw().with.property('code', 'BAD_REQUEST');
  });

  it('validates configured stage lists (unique ids, known roles)', () => {
    expect(reviewStagesSchema.safeParse(DEFAULT_REVIEW_STAGES).success).to.equal(true);
    expect(reviewStagesSchema.safeParse([...DEFAULT_REVIEW_STAGES, DEFAULT_REVIEW_STAGES[0]]).success).to.equal(false);
    expect(reviewStagesSchema.safeParse([{ id: 'x', en: 'x', zh: 'x', roles: ['court'] }]).success).to.equal(false);
    expect(reviewStagesSchema.safeParse([]).success).to.equal(false);
  });

  it('is configurable: CUSTOS_REVIEW_STAGES and CUSTOS_ACTION_TYPES, refused with one clear error when malformed', () => {
    const config = loadConfig({ CUSTOS_REVIEW_STAGES: JSON.stringify([{ id: 'legal', en: 'legal', zh: '法制', roles: ['reviewer'] }]), CUSTOS_ACTION_TYPES: '{"05":{"en":"other","zh":"其他"}}' });
    expect(config.cases.reviewStages.map((s) => s.id)).to.deep.equal(['legal']);
    expect(config.cases.actionTypes['05']).to.deep.equal({ en: 'other', zh: '其他' });
    expect(config.cases.actionTypes['02'].en).to.equal('penalty');
    expect(() => loadConfig({ CUSTOS_REVIEW_STAGES: '[{"id":"x"}]' })).to.throw(/CUSTOS_REVIEW_STAGES must be/);
    expect(() => loadConfig({ CUSTOS_ACTION_TYPES: '{"5":{"en":"x"}}' })).to.throw(/CUSTOS_ACTION_TYPES must be/);
  });
});
