import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../server/adapters/db/database';
import { TokenStore } from '../../server/adapters/db/token-store';
import { getJson, startTestServer, upload, type TestServer } from '../helpers/server';
import { registerTestDevice, signedUpload } from '../helpers/device';

describe('HTTP auth', () => {
  let server: TestServer;
  let uploaderToken: string;
  let officerToken: string;
  let evidenceId: string;

  before(async () => {
    server = await startTestServer();
    // Minted the way `custos token create` does it: straight into the database, while the service runs.
    const db = openDatabase(join(server.dataDir, 'custos.db'));
    const tokens = new TokenStore(db);
    uploaderToken = tokens.create('dock-station-3', 'uploader').secret;
    officerToken = tokens.create('officer 0421', 'officer').secret;
    db.close();
    // Uploader tokens (docks, recorders) must sign with a registered device key.
    const device = await registerTestDevice(server.url, server.adminToken, 'BWC-AUTH-1');
    const bytes = randomBytes(1000);
    evidenceId = (await upload(server.url, bytes, signedUpload(device, bytes, uploaderToken))).body.id;
  });
  after(async () => server.stop({ remove: true }));

  it('writes the first admin token to <data-dir>/admin.token with mode 0600', () => {
    expect(statSync(join(server.dataDir, 'admin.token')).mode & 0o777).to.equal(0o600);
    expect(server.adminToken).to.match(/^cus_/);
  });

  it('answers 401 UNAUTHENTICATED without a token, with WWW-Authenticate', async () => {
    const res = await upload(server.url, randomBytes(10), { token: '' });
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).to.equal('Bearer');
    expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`)).status).to.equal(401);
  });

  it('answers 401 for an unknown token', async () => {
    const res = await getJson(`${server.url}/v1/evidence/${evidenceId}`, 'cus_' + randomBytes(32).toString('base64url'));
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
  });

  it('lets an uploader upload and read records, but answers 403 FORBIDDEN for content', async () => {
    expect((await getJson(`${server.url}/v1/evidence/${evidenceId}`, uploaderToken)).status).to.equal(200);
    const res = await getJson(`${server.url}/v1/evidence/${evidenceId}/content?purpose=test`, uploaderToken);
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('FORBIDDEN');
  });

  it('lets an officer read content', async () => {
    const res = await fetch(`${server.url}/v1/evidence/${evidenceId}/content?purpose=test`, { headers: { authorization: `Bearer ${officerToken}` } });
    expect(res.status).to.equal(200);
  });

  it('applies the permission table to the other roles: auxiliary uploads but cannot read content, court sees nothing unshared, auditor reads', async () => {
    const db = openDatabase(join(server.dataDir, 'custos.db'));
    const tokens = new TokenStore(db);
    const [auxiliary, court, auditor] = (['auxiliary', 'court', 'auditor'] as const).map((role) => tokens.create(`${role} 1`, role).secret);
    db.close();
    const uploaded = await upload(server.url, randomBytes(500), { token: auxiliary });
    expect(uploaded.status).to.equal(201);
    expect((await getJson(`${server.url}/v1/evidence/${evidenceId}/content?purpose=test`, auxiliary)).status).to.equal(403);
    // Unshared evidence does not exist for a court (test/http/case-review-shares.test.ts covers shares).
    const unshared = await getJson(`${server.url}/v1/evidence/${evidenceId}`, court);
    expect(unshared.status).to.equal(404);
    expect(unshared.body.error.code).to.equal('EVIDENCE_NOT_FOUND');
    expect((await upload(server.url, randomBytes(500), { token: auditor })).status).to.equal(403);
    const read = await fetch(`${server.url}/v1/evidence/${evidenceId}/content?purpose=test`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(read.status).to.equal(200);
  });

  it('keeps /v1/verify, /v1/log/* and /healthz public', async () => {
    expect((await getJson(`${server.url}/v1/log/head`)).status).to.equal(200);
    expect((await getJson(`${server.url}/v1/log/entries?start=0`)).status).to.equal(200);
    const health = await getJson(`${server.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(health.body.chain).to.include.keys(['chainId', 'contract', 'rpcUrl']);
  });

  it('answers 404 NOT_FOUND in the error format for unknown routes', async () => {
    const res = await getJson(`${server.url}/v1/nothing-here`);
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
  });

  it('answers 405 METHOD_NOT_ALLOWED in the error format, with Allow, for a method a route does not take', async () => {
    const res = await getJson(`${server.url}/v1/verify`);
    expect(res.status).to.equal(405);
    expect(res.body.error.code).to.equal('METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).to.include('POST');
  });
});
