import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { parseActionCode } from '../../server/core/action-code';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { reviewAccount, signedDecision } from '../helpers/review';

async function until<T>(get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cases: action codes, certified officers, attach/detach as custody events', function () {
  this.timeout(60_000);
  let server: TestServer;
  let officer: string;
  let otherUnit: string;
  let uncertified: string;
  let auditor: string;

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    const { tokens } = server.custos.components;
    officer = tokens.create('officer 0421', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
    otherUnit = tokens.create('officer 0777', 'officer', new Date(), { unit: '310101000', certificate: 'ZF-31010100777' }).secret;
    uncertified = tokens.create('officer 0999', 'officer', new Date(), { unit: '110105000' }).secret;
    auditor = tokens.create('auditor 1', 'auditor').secret;
  });
  after(async () => server.stop({ remove: true }));

  const openCase = (token: string, body: unknown) => postJson(`${server.url}/v1/cases`, body, token);

  it('opens a case under the next valid 27-digit code of the unit, type and day, logged as case.opened', async () => {
    const first = await openCase(officer, { actionType: '02', title: '无证经营 unlicensed trading' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const parsed = parseActionCode(first.body.code);
    expect(parsed).to.include({ actionType: '02', department: '110105000', sequence: 1, custom: '00000' });
    expect(first.body.actionType).to.deep.equal({ code: '02', en: 'penalty', zh: '处罚' });
    const entry = (await getJson(`${server.url}/v1/log/entries?start=${first.body.leafIndex}&end=${first.body.leafIndex + 1}`)).body.entries[0];
    expect(entry.event).to.include({ type: 'case.opened', code: first.body.code, certificate: 'ZF-11010500421' });
  });

  it('never gives two concurrent openings the same code', async () => {
    const opened = await Promise.all(Array.from({ length: 8 }, (_, i) => openCase(officer, { actionType: '01', title: `inspection ${i}` })));
    const codes = opened.map((r) => r.body.code);
    expect(new Set(codes).size).to.equal(8);
    expect(codes.map((code) => parseActionCode(code).sequence).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses officers without a certificate (403 OFFICER_NOT_CERTIFIED), other roles (403), and bad input (400)', async () => {
    expect((await openCase(uncertified, { actionType: '02', title: 'x' })).body.error.code).to.equal('OFFICER_NOT_CERTIFIED');
    expect((await openCase(auditor, { actionType: '02', title: 'x' })).body.error.code).to.equal('FORBIDDEN');
    expect((await openCase(officer, { actionType: '99', title: 'x' })).status).to.equal(400);
    expect((await openCase(officer, { actionType: '02', title: '' })).status).to.equal(400);
  });

  it('attaches evidence with a stated purpose and detaches it without deleting it; both are custody events', async () => {
    const { body: c } = await openCase(officer, { actionType: '03', title: 'seizure' });
    const evidence = (await upload(server.url, randomBytes(2000), { token: officer })).body;
    const noPurpose = await postJson(`${server.url}/v1/cases/${c.code}/evidence`, { evidenceId: evidence.id }, officer);
    expect(noPurpose.body.error.code).to.equal('PURPOSE_REQUIRED');
    const attached = await postJson(`${server.url}/v1/cases/${c.code}/evidence`, { evidenceId: evidence.id, purpose: 'body camera recording of the seizure' }, officer);
    expect(attached.status).to.equal(201);
    expect(attached.body.evidence).to.have.length(1);
    expect((await postJson(`${server.url}/v1/cases/${c.code}/evidence`, { evidenceId: evidence.id, purpose: 'again' }, officer)).body.error.code).to.equal('ALREADY_ATTACHED');

    const detached = await fetch(`${server.url}/v1/cases/${c.code}/evidence/${evidence.id}?purpose=${encodeURIComponent('attached to the wrong case')}`, { method: 'DELETE', headers: { authorization: `Bearer ${officer}` } });
    const view = (await detached.json()) as any;
    expect(view.evidence[0]).to.include({ state: 'detached', evidenceId: evidence.id });
    expect((await getJson(`${server.url}/v1/evidence/${evidence.id}`, officer)).status).to.equal(200); // still there

    const leaves = [view.evidence[0].attachLeaf, view.evidence[0].detachLeaf];
    const events = await Promise.all(leaves.map(async (leaf: number) => (await getJson(`${server.url}/v1/log/entries?start=${leaf}&end=${leaf + 1}`)).body.entries[0].event));
    expect(events.map((e: any) => e.type)).to.deep.equal(['custody.attach', 'custody.detach']);
    expect(events[0]).to.include({ caseCode: c.code, evidenceId: evidence.id, purpose: 'body camera recording of the seizure', certificate: 'ZF-11010500421' });
    expect(events[1].purpose).to.equal('attached to the wrong case');
  });

  it('moves a case only along open → under-review → decided → archived (or back to open from review), each change logged with its reason', async () => {
    const { tokens } = server.custos.components;
    const reviewerAccount = reviewAccount(tokens, 'legal officer', 'reviewer');
    const reviewer = reviewerAccount.secret;
    const { body: c } = await openCase(officer, { actionType: '02', title: 'status walk' });
    const evidence = (await upload(server.url, randomBytes(500), { token: officer })).body;
    await postJson(`${server.url}/v1/cases/${c.code}/evidence`, { evidenceId: evidence.id, purpose: 'scene' }, officer);
    const move = (token: string, status: string, reason = 'because') => postJson(`${server.url}/v1/cases/${c.code}/status`, { status, reason }, token);
    expect((await move(officer, 'decided')).body.error.code).to.equal('INVALID_STATUS_CHANGE');
    expect((await move(officer, 'under-review', 'evidence complete')).body.status).to.equal('under-review');
    expect((await move(reviewer, 'open', 'missing the witness statement')).body.status).to.equal('open');
    expect((await move(officer, 'under-review', 'statement added')).body.status).to.equal('under-review');
    // The whole review chain approves before the case can be decided (test/http/case-review-shares.test.ts covers its rules).
    const deciders = [
      reviewAccount(tokens, 'handling officer', 'officer', { unit: '110105000', certificate: 'ZF-11010500003' }),
      reviewerAccount,
      reviewAccount(tokens, 'squad leader', 'officer', { unit: '110105000', certificate: 'ZF-11010500002' }),
      reviewAccount(tokens, 'legal section', 'reviewer'),
      reviewAccount(tokens, 'panel', 'reviewer'),
    ];
    const stages = ['handling-officer', 'legal-officer', 'squad-leader', 'legal-section', 'collegial-panel'];
    for (const [i, stage] of stages.entries()) expect((await signedDecision(server.url, c.code, deciders[i], stage)).status).to.equal(201);
    expect((await move(reviewer, 'decided', 'penalty decided')).body.status).to.equal('decided');
    expect((await move(server.adminToken, 'archived', 'closed')).body.status).to.equal('archived');
    expect((await move(server.adminToken, 'open', 'reopen')).body.error.code).to.equal('INVALID_STATUS_CHANGE');
    expect((await move(auditor, 'open')).status).to.equal(403);

    const history = (await getJson(`${server.url}/v1/cases/${c.code}/custody`, officer)).body.events.map((e: any) => e.event);
    const entries = history.filter((e: any) => e.type === 'custody.status');
    expect(entries.map((e: any) => `${e.status.from}>${e.status.to}:${e.purpose}`)).to.deep.equal([
      'open>under-review:evidence complete',
      'under-review>open:missing the witness statement',
      'open>under-review:statement added',
      'under-review>decided:penalty decided',
      'decided>archived:closed',
    ]);
  });

  it('logs case notes as custody.note events', async () => {
    const { body: c } = await openCase(officer, { actionType: '01', title: 'notes' });
    const note = await postJson(`${server.url}/v1/cases/${c.code}/notes`, { text: '当事人拒绝签字 — the party refused to sign' }, officer);
    expect(note.status).to.equal(201);
    const entry = (await getJson(`${server.url}/v1/log/entries?start=${note.body.leafIndex}&end=${note.body.leafIndex + 1}`)).body.entries[0].event;
    expect(entry).to.include({ type: 'custody.note', caseCode: c.code, note: '当事人拒绝签字 — the party refused to sign' });
    expect((await postJson(`${server.url}/v1/cases/${c.code}/notes`, { text: '' }, officer)).status).to.equal(400);
  });

  it('logs every read of content and proofs as custody.read (purpose required for content), listed with proofs in GET /custody', async () => {
    const bytes = randomBytes(5000);
    const evidence = (await upload(server.url, bytes, { token: officer })).body;
    const url = `${server.url}/v1/evidence/${evidence.id}`;
    const headers = { authorization: `Bearer ${officer}` };
    const refused = await fetch(`${url}/content`, { headers });
    expect(refused.status).to.equal(400);
    expect(((await refused.json()) as any).error.code).to.equal('PURPOSE_REQUIRED');

    expect((await fetch(`${url}/content?purpose=${encodeURIComponent('prepare the hearing')}`, { headers })).status).to.equal(200);
    const ranged = await fetch(`${url}/content`, { headers: { ...headers, range: 'bytes=0-99', 'custos-purpose': 'check the first frames' } });
    expect(ranged.status).to.equal(206);
    await waitForAnchored(server.url, evidence.id, officer);
    expect((await getJson(`${url}/proof`, officer)).status).to.equal(200);

    await until(async () => {
      const { body } = await getJson(`${url}/custody`, officer);
      return body.events.every((e: any) => e.proof) ? body : undefined;
    });
    const { body } = await getJson(`${url}/custody`, officer);
    const reads = body.events.map((e: any) => e.event);
    expect(reads.map((e: any) => `${e.type}:${e.read.object}:${e.read.range ?? ''}:${e.purpose}`)).to.deep.equal([
      'custody.read:content::prepare the hearing',
      'custody.read:content:0-99:check the first frames',
      'custody.read:proof::not stated (proof read)',
    ]);
    expect(reads[0]).to.include({ evidenceId: evidence.id, certificate: 'ZF-11010500421' });
    expect(reads[0].actor).to.include({ name: 'officer 0421', role: 'officer' });
    // Each entry comes with its proof bundle, which verifies on the chain.
    const verified = (await postJson(`${server.url}/v1/verify`, body.events[0].proof)).body;
    expect(verified.ok, JSON.stringify(verified.checks)).to.equal(true);
  });

  it('shows a case to its own unit and to the auditor, not to another unit (404)', async () => {
    const { body: c } = await openCase(officer, { actionType: '04', title: 'licence check' });
    expect((await getJson(`${server.url}/v1/cases/${c.code}`, officer)).status).to.equal(200);
    expect((await getJson(`${server.url}/v1/cases/${c.code}`, auditor)).status).to.equal(200);
    const hidden = await getJson(`${server.url}/v1/cases/${c.code}`, otherUnit);
    expect(hidden.status).to.equal(404);
    expect(hidden.body.error.code).to.equal('CASE_NOT_FOUND');
  });
});
