import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { reviewAccount, signedDecision, type ReviewAccount } from '../helpers/review';

/**
 * Every action on the custody list, one after another: each must append
 * exactly its own event to the log (an action that leaves none fails here).
 * Media is off so that no background probe logs in between.
 */
describe('chain of custody: every listed action leaves its event', function () {
  this.timeout(60_000);
  let server: TestServer;
  let officer: string;
  let officerAccount: ReviewAccount;
  let reviewer: string;
  let court: { id: string; secret: string };
  let code: string;
  let evidenceId: string;
  let shareId: string;

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    const { tokens } = server.custos.components;
    officerAccount = reviewAccount(tokens, '张三', 'officer', { unit: '110105000', certificate: 'ZF-11010500421' });
    officer = officerAccount.secret;
    reviewer = tokens.create('王五', 'reviewer').secret;
    const c = tokens.create('法院', 'court');
    court = { id: c.token.id, secret: c.secret };
    code = (await postJson(`${server.url}/v1/cases`, { actionType: '01', title: 'custody coverage' }, officer)).body.code;
    evidenceId = (await upload(server.url, randomBytes(800), { token: officer })).body.id;
    await waitForAnchored(server.url, evidenceId, officer);
  });
  after(async () => server.stop({ remove: true }));

  const size = async () => (await getJson(`${server.url}/v1/log/head`)).body.treeSize as number;
  const lastEvent = async () => {
    const n = await size();
    return (await getJson(`${server.url}/v1/log/entries?start=${n - 1}&end=${n}`)).body.entries[0].event;
  };
  const req = (method: string, path: string, token: string) => fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  const actions: Array<[string, string, () => Promise<unknown>]> = [
    ['attach', 'custody.attach', () => postJson(`${server.url}/v1/cases/${code}/evidence`, { evidenceId, purpose: 'scene' }, officer)],
    ['read content', 'custody.read', () => req('GET', `/v1/evidence/${evidenceId}/content?purpose=review`, officer).then((r) => r.arrayBuffer())],
    ['read a byte range', 'custody.read', () => fetch(`${server.url}/v1/evidence/${evidenceId}/content?purpose=review`, { headers: { authorization: `Bearer ${officer}`, range: 'bytes=0-9' } }).then((r) => r.arrayBuffer())],
    ['read a proof', 'custody.read', () => getJson(`${server.url}/v1/evidence/${evidenceId}/proof`, officer)],
    ['note', 'custody.note', () => postJson(`${server.url}/v1/cases/${code}/notes`, { text: '当事人在场' }, officer)],
    ['status change', 'custody.status', () => postJson(`${server.url}/v1/cases/${code}/status`, { status: 'under-review', reason: 'complete' }, officer)],
    ['review decision', 'custody.review', () => signedDecision(server.url, code, officerAccount, 'handling-officer')],
    [
      'share',
      'custody.share',
      async () => (shareId = (await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), purpose: 'hearing' }, officer)).body.id),
    ],
    ['court reads content', 'custody.read', () => req('GET', `/v1/evidence/${evidenceId}/content?purpose=hearing`, court.secret).then((r) => r.arrayBuffer())],
    ['revoke a share', 'custody.unshare', () => req('DELETE', `/v1/cases/${code}/shares/${shareId}?reason=done`, officer)],
    ['export (package)', 'case.packaged', () => req('GET', `/v1/cases/${code}/package?purpose=archive`, reviewer).then((r) => r.arrayBuffer())],
    ['detach', 'custody.detach', () => req('DELETE', `/v1/cases/${code}/evidence/${evidenceId}?purpose=wrong%20case`, officer)],
  ];

  for (const [name, type, act] of actions) {
    it(`${name} → ${type}`, async () => {
      const before = await size();
      await act();
      expect(await size(), 'exactly one event').to.equal(before + 1);
      const event = await lastEvent();
      expect(event.type).to.equal(type);
      expect(event.actor.tokenId).to.be.a('string');
      expect(event.purpose).to.be.a('string').and.not.equal('');
    });
  }

  it('refuses, and logs nothing for, a content read without a purpose', async () => {
    const before = await size();
    expect((await req('GET', `/v1/evidence/${evidenceId}/content`, officer)).status).to.equal(400);
    expect(await size()).to.equal(before);
  });
});
