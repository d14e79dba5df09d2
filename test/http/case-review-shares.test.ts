import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { getJson, postJson, startTestServer, upload, type TestServer } from '../helpers/server';
import { reviewAccount, signedDecision, type ReviewAccount } from '../helpers/review';
import { verifyReviewSignature } from '../../server/core/review-signature';

const UNIT = '110105000';

describe('cases: review chain (五级审核) and shares with courts', function () {
  this.timeout(60_000);
  let server: TestServer;
  let officer: string;
  let squadLeader: string;
  let legalOfficer: string;
  let legalSection: string;
  let panel: string;
  let auxiliary: string;
  let court: { id: string; secret: string };
  let otherCourt: { id: string; secret: string };

  /** Each reviewing account has its own key; decisions are signed with it. */
  const accounts = new Map<string, ReviewAccount>();
  const account = (name: string, role: 'officer' | 'reviewer', holder = {}) => {
    const a = reviewAccount(server.custos.components.tokens, name, role, holder);
    accounts.set(a.secret, a);
    return a.secret;
  };

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    const { tokens } = server.custos.components;
    officer = account('张三', 'officer', { unit: UNIT, certificate: 'ZF-11010500421' });
    squadLeader = account('中队长 李四', 'officer', { unit: UNIT, certificate: 'ZF-11010500001' });
    legalOfficer = account('法制员 王五', 'reviewer');
    legalSection = account('法制科 赵六', 'reviewer');
    panel = account('集体讨论 主持', 'reviewer');
    auxiliary = tokens.create('协管员', 'auxiliary', new Date(), { unit: UNIT }).secret;
    const c1 = tokens.create('朝阳区人民法院', 'court');
    court = { id: c1.token.id, secret: c1.secret };
    const c2 = tokens.create('another court', 'court');
    otherCourt = { id: c2.token.id, secret: c2.secret };
  });
  after(async () => server.stop({ remove: true }));

  /** A case under review with one evidence item attached. */
  async function caseWithEvidence(title: string): Promise<{ code: string; evidenceId: string }> {
    const { body: opened } = await postJson(`${server.url}/v1/cases`, { actionType: '02', title }, officer);
    const evidence = (await upload(server.url, randomBytes(1500), { token: officer })).body;
    await postJson(`${server.url}/v1/cases/${opened.code}/evidence`, { evidenceId: evidence.id, purpose: 'scene recording' }, officer);
    return { code: opened.code, evidenceId: evidence.id };
  }
  const move = (code: string, status: string, token = officer) => postJson(`${server.url}/v1/cases/${code}/status`, { status, reason: 'next step' }, token);
  const decide = (code: string, token: string, stage: string, decision = 'approve', reason?: string) => {
    const signer = accounts.get(token);
    return signer ? signedDecision(server.url, code, signer, stage, decision, reason) : postJson(`${server.url}/v1/cases/${code}/reviews`, { stage, decision, ...(reason ? { reason } : {}) }, token);
  };
  const entryAt = async (leaf: number) => (await getJson(`${server.url}/v1/log/entries?start=${leaf}&end=${leaf + 1}`)).body.entries[0].event;

  describe('review chain', () => {
    it('takes approvals only in stage order, each a logged custody.review bound to its account; reviewed only after the last stage', async () => {
      const { code, evidenceId } = await caseWithEvidence('review in order');
      expect((await decide(code, officer, 'handling-officer')).body.error.code, 'not under review yet').to.equal('REVIEW_NOT_OPEN');
      await move(code, 'under-review');

      const early = await decide(code, legalOfficer, 'legal-officer');
      expect(early.status).to.equal(409);
      expect(early.body.error.code).to.equal('REVIEW_OUT_OF_ORDER');
      expect(early.body.error.message).to.contain('handling-officer');

      const steps: Array<[string, string]> = [
        [officer, 'handling-officer'],
        [legalOfficer, 'legal-officer'],
        [squadLeader, 'squad-leader'],
        [legalSection, 'legal-section'],
      ];
      for (const [token, stage] of steps) {
        const res = await decide(code, token, stage);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.case.review.state).to.equal('pending');
        expect(res.body.case.evidence[0].review).to.equal('pending');
        const event = await entryAt(res.body.leafIndex);
        expect(event).to.include({ type: 'custody.review', caseCode: code });
        expect(event.review).to.deep.include({ stage, decision: 'approve', round: 1, evidenceIds: [evidenceId] });
        expect(event.actor.tokenId).to.be.a('string');
      }
      expect((await move(code, 'decided')).body.error.code, 'a case is decided only after the whole chain').to.equal('REVIEW_INCOMPLETE');
      const last = await decide(code, panel, 'collegial-panel');
      expect(last.body.case.review.state).to.equal('reviewed');
      expect(last.body.case.evidence[0].review).to.equal('reviewed');
      expect(last.body.case.review.decisions).to.have.length(5);
      expect((await decide(code, panel, 'collegial-panel')).body.error.code).to.equal('REVIEW_COMPLETE');
      expect((await move(code, 'decided')).body.status).to.equal('decided');
    });

    it('takes only decisions signed by the deciding account’s own key; the logged signature verifies offline', async () => {
      const { code, evidenceId } = await caseWithEvidence('signed decisions');
      await move(code, 'under-review');
      const unsigned = await postJson(`${server.url}/v1/cases/${code}/reviews`, { stage: 'handling-officer', decision: 'approve' }, officer);
      expect(unsigned.status).to.equal(403);
      expect(unsigned.body.error.code).to.equal('REVIEW_SIGNATURE_REQUIRED');
      // Signed with someone else's key: refused.
      const impostor = { ...accounts.get(officer)!, privateKeyPem: accounts.get(panel)!.privateKeyPem };
      expect((await signedDecision(server.url, code, impostor, 'handling-officer')).body.error.code).to.equal('REVIEW_SIGNATURE_INVALID');
      // A signature over another evidence set (or round) does not carry over.
      const view = (await getJson(`${server.url}/v1/cases/${code}`, officer)).body;
      expect(view.review.evidenceIds).to.deep.equal([evidenceId]);
      const ok = await decide(code, officer, 'handling-officer');
      expect(ok.status).to.equal(201);
      const event = await entryAt(ok.body.leafIndex);
      const { signature, ...review } = event.review;
      expect(signature).to.include({ algorithm: 'ed25519' });
      const statement = { caseCode: code, round: review.round, stage: review.stage, decision: review.decision, evidenceIds: review.evidenceIds };
      expect(verifyReviewSignature(signature.publicKey, signature.value, statement)).to.equal(true);
      expect(verifyReviewSignature(signature.publicKey, signature.value, { ...statement, decision: 'reject' })).to.equal(false);
      // The decision's proof, once anchored, carries the review-signature check.
      let proof: any = null;
      for (let i = 0; i < 100 && !proof; i++) {
        const history = (await getJson(`${server.url}/v1/cases/${code}/custody`, officer)).body.events;
        proof = history.find((e: any) => e.leafIndex === ok.body.leafIndex)?.proof ?? null;
        if (!proof) await new Promise((r) => setTimeout(r, 100));
      }
      expect(proof, 'the decision is anchored').to.not.equal(null);
      const verified = await postJson(`${server.url}/v1/verify`, proof);
      expect(verified.body.checks.find((c: any) => c.check === 'review-signature')).to.include({ ok: true });
      expect(verified.body.ok).to.equal(true);
    });

    it('refuses a stage to the wrong role, a second stage to the same account, and any decision to auxiliary staff', async () => {
      const { code } = await caseWithEvidence('review roles');
      await move(code, 'under-review');
      const wrongRole = await decide(code, legalOfficer, 'handling-officer');
      expect(wrongRole.status).to.equal(403);
      expect(wrongRole.body.error.code).to.equal('REVIEW_NOT_ALLOWED');
      expect((await decide(code, auxiliary, 'handling-officer')).body.error.code).to.equal('FORBIDDEN');
      expect((await decide(code, squadLeader, 'handling-officer')).status).to.equal(201);
      await decide(code, legalOfficer, 'legal-officer');
      const twice = await decide(code, squadLeader, 'squad-leader');
      expect(twice.body.error.code).to.equal('REVIEW_NOT_ALLOWED');
      expect(twice.body.error.message).to.contain('one account');
    });

    it('starts over at the first stage after a rejection (reason required and logged) or when the evidence set changes', async () => {
      const { code } = await caseWithEvidence('review restarts');
      await move(code, 'under-review');
      await decide(code, officer, 'handling-officer');
      expect((await decide(code, legalOfficer, 'legal-officer', 'reject')).body.error.code, 'no reason').to.equal('BAD_REQUEST');
      const rejected = await decide(code, legalOfficer, 'legal-officer', 'reject', '缺少现场笔录 missing the scene record');
      expect(rejected.status).to.equal(201);
      expect((await entryAt(rejected.body.leafIndex)).review).to.include({ decision: 'reject', reason: '缺少现场笔录 missing the scene record', round: 1 });
      expect(rejected.body.case.review).to.include({ round: 2 });
      expect(rejected.body.case.review.nextStage.id).to.equal('handling-officer');
      expect((await decide(code, legalOfficer, 'legal-officer')).body.error.code).to.equal('REVIEW_OUT_OF_ORDER');

      await decide(code, officer, 'handling-officer');
      // New evidence mid-round: the approvals so far covered another set.
      const extra = (await upload(server.url, randomBytes(900), { token: officer })).body;
      await move(code, 'open');
      await postJson(`${server.url}/v1/cases/${code}/evidence`, { evidenceId: extra.id, purpose: 'scene record added' }, officer);
      await move(code, 'under-review');
      const view = (await getJson(`${server.url}/v1/cases/${code}`, officer)).body;
      expect(view.review.nextStage.id).to.equal('handling-officer');
      expect(view.review.round).to.equal(3);
      const again = await decide(code, officer, 'handling-officer');
      expect((await entryAt(again.body.leafIndex)).review.evidenceIds).to.have.length(2);
    });
  });

  describe('shares with courts', () => {
    it('a court sees nothing until a case is shared with it; then the case, its evidence and content (logged), until revoked', async () => {
      const { code, evidenceId } = await caseWithEvidence('shared with the court');
      expect((await getJson(`${server.url}/v1/cases/${code}`, court.secret)).status).to.equal(404);
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, court.secret)).status).to.equal(404);

      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      expect((await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, expiresAt, purpose: 'x' }, auxiliary)).status, 'auxiliary may not share').to.equal(403);
      expect((await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, expiresAt }, officer)).body.error.code).to.equal('PURPOSE_REQUIRED');
      const notCourt = await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: 'tok_nope', expiresAt, purpose: 'x' }, officer);
      expect(notCourt.body.error.code).to.equal('NOT_A_COURT');
      const shared = await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, expiresAt, purpose: '行政诉讼 (2026) 京0105行初123号' }, officer);
      expect(shared.status, JSON.stringify(shared.body)).to.equal(201);
      expect(shared.body).to.include({ state: 'active', expiresAt });
      const shareEvent = await entryAt(shared.body.shareLeaf);
      expect(shareEvent).to.include({ type: 'custody.share', caseCode: code, purpose: '行政诉讼 (2026) 京0105行初123号' });
      expect(shareEvent.share).to.deep.equal({ id: shared.body.id, court: { tokenId: court.id, name: '朝阳区人民法院' }, expiresAt });

      expect((await getJson(`${server.url}/v1/cases/${code}`, court.secret)).status).to.equal(200);
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, court.secret)).status).to.equal(200);
      expect((await getJson(`${server.url}/v1/cases/${code}`, otherCourt.secret)).status, 'only the court it was shared with').to.equal(404);
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, otherCourt.secret)).status).to.equal(404);
      const content = await fetch(`${server.url}/v1/evidence/${evidenceId}/content?purpose=hearing`, { headers: { authorization: `Bearer ${court.secret}` } });
      expect(content.status).to.equal(200);
      await content.arrayBuffer();
      const custody = (await getJson(`${server.url}/v1/evidence/${evidenceId}/custody`, officer)).body.events.map((e: any) => e.event);
      expect(custody.at(-1)).to.deep.include({ type: 'custody.read', purpose: 'hearing' });
      expect(custody.at(-1).actor).to.include({ role: 'court', name: '朝阳区人民法院' });
      expect((await postJson(`${server.url}/v1/cases/${code}/notes`, { text: 'court note' }, court.secret)).status, 'a court changes nothing').to.equal(403);
      expect((await getJson(`${server.url}/v1/jobs`, court.secret)).status, 'operational views are not shared').to.equal(403);

      const revoked = await fetch(`${server.url}/v1/cases/${code}/shares/${shared.body.id}?reason=${encodeURIComponent('hearing closed')}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${officer}` },
      });
      const revokedView = (await revoked.json()) as any;
      expect(revokedView.state).to.equal('revoked');
      expect(await entryAt(revokedView.revokeLeaf)).to.include({ type: 'custody.unshare', purpose: 'hearing closed' });
      expect((await getJson(`${server.url}/v1/cases/${code}`, court.secret)).status).to.equal(404);
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, court.secret)).status).to.equal(404);
      const caseHistory = (await getJson(`${server.url}/v1/cases/${code}/custody`, officer)).body.events.map((e: any) => e.event.type);
      expect(caseHistory).to.include.members(['case.opened', 'custody.attach', 'custody.share', 'custody.unshare']);
    });

    it('ends a share at its expiry without anyone acting', async () => {
      const { code, evidenceId } = await caseWithEvidence('short share');
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      const shared = await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, expiresAt, purpose: 'quick look' }, officer);
      expect(shared.status).to.equal(201);
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, court.secret)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 1700));
      expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, court.secret)).status).to.equal(404);
      const list = (await getJson(`${server.url}/v1/cases/${code}/shares`, officer)).body.shares;
      expect(list[0].state).to.equal('expired');
    });

    it('refuses shares in the past or beyond a year, and sharing with a non-court account', async () => {
      const { code } = await caseWithEvidence('bad shares');
      const share = (body: object) => postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, purpose: 'p', ...body }, officer);
      expect((await share({ expiresAt: '2020-01-01T00:00:00Z' })).body.error.code).to.equal('BAD_REQUEST');
      expect((await share({ expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() })).body.error.code).to.equal('BAD_REQUEST');
      expect((await share({ expiresAt: 'tomorrow' })).body.error.code).to.equal('BAD_REQUEST');
      const reviewerId = server.custos.components.tokens.create('not a court', 'reviewer').token.id;
      expect((await share({ courtTokenId: reviewerId, expiresAt: new Date(Date.now() + 60_000).toISOString() })).body.error.code).to.equal('NOT_A_COURT');
    });
  });
});
