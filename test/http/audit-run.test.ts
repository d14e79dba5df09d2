import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runCli, spawnServe } from '../helpers/cli';
import { getJson, makeDataDir, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

const SIZES = [20_000, 21_000, 22_000, 23_000];

describe('integrity audits: scopes, progress, resuming after a restart, the CLI', function () {
  this.timeout(180_000);

  describe('over the API', () => {
    let server: TestServer;
    const ids: string[] = [];
    let code: string;

    before(async () => {
      server = await startTestServer({ config: { media: { enabled: false } } });
      for (const size of SIZES) ids.push((await upload(server.url, randomBytes(size), { token: server.adminToken })).body.id);
      const officer = server.custos.components.tokens.create('张三', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
      code = (await postJson(`${server.url}/v1/cases`, { actionType: '01', title: 'scoped audit' }, officer)).body.code;
      await postJson(`${server.url}/v1/cases/${code}/evidence`, { evidenceId: ids[2], purpose: 'scene' }, officer);
      await waitForAnchored(server.url, ids[3], server.adminToken);
    });
    after(async () => server.stop({ remove: true }));

    const run = async (body: object, token = server.adminToken) => {
      const res = await postJson(`${server.url}/v1/audits`, body, token);
      if (res.status !== 202) return res;
      await server.custos.components.auditor.idle();
      return { status: res.status, body: (await getJson(`${server.url}/v1/audits/${res.body.id}/report`, server.adminToken)).body };
    };

    it('audits a case’s evidence, a sample, or what arrived since a date', async () => {
      expect((await run({ case: code })).body.counts.items).to.equal(1);
      expect((await run({ sample: 50 })).body.counts.items).to.equal(2);
      expect((await run({ sample: 0.01 })).body.counts.items, 'at least one item').to.equal(1);
      expect((await run({ since: '2099-01-01T00:00:00Z' })).body.counts.items).to.equal(0);
      expect((await run({})).body.counts.items).to.equal(4);
    });

    it('refuses a bad scope (400) and other roles (403); an auditor may run one', async () => {
      expect((await run({ sample: 0 })).status).to.equal(400);
      expect((await run({ sample: 5, case: code })).status).to.equal(400);
      expect((await run({ since: 'yesterday' })).status).to.equal(400);
      const officer = server.custos.components.tokens.create('o', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-1' + '1'.repeat(5) }).secret;
      expect((await run({}, officer)).status).to.equal(403);
      const auditor = server.custos.components.tokens.create('内审', 'auditor').secret;
      expect((await run({}, auditor)).status).to.equal(202);
      expect((await getJson(`${server.url}/v1/audits`, auditor)).body.audits.length).to.be.greaterThan(5);
    });
  });

  it('continues an interrupted audit where it stopped after a restart, reading each item once', async () => {
    const dataDir = makeDataDir();
    // Throttled to 20 kB/s so that the audit is still running when the service stops.
    const config = { media: { enabled: false }, audit: { maxBytesPerSecond: 20_000 } };
    let server = await startTestServer({ dataDir, config });
    let last = '';
    for (const size of SIZES) last = (await upload(server.url, randomBytes(size), { token: server.adminToken })).body.id;
    await waitForAnchored(server.url, last, server.adminToken);
    const started = (await postJson(`${server.url}/v1/audits`, {}, server.adminToken)).body;
    let seen: any;
    for (let i = 0; i < 200; i++) {
      seen = (await getJson(`${server.url}/v1/audits/${started.id}`, server.adminToken)).body;
      if (seen.itemsDone >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.state).to.equal('running');
    expect(seen.progressPercent).to.be.greaterThan(0).and.lessThan(100);
    await server.stop();

    server = await startTestServer({ dataDir, config: { media: { enabled: false } } });
    try {
      const resumed = (await getJson(`${server.url}/v1/audits/${started.id}`, server.adminToken)).body;
      expect(resumed.itemsDone, 'progress kept across the restart').to.be.at.least(seen.itemsDone);
      await server.custos.components.auditor.idle();
      const done = (await getJson(`${server.url}/v1/audits/${started.id}`, server.adminToken)).body;
      expect(done).to.include({ state: 'completed', progressPercent: 100, startedAt: seen.startedAt });
      const report = (await getJson(`${server.url}/v1/audits/${started.id}/report`, server.adminToken)).body;
      expect(report.findings).to.deep.equal([]);
      expect(report.counts).to.include({ items: 4, bytes: SIZES.reduce((a, b) => a + b, 0) });
    } finally {
      await server.stop({ remove: true });
    }
  });

  describe('custos audit run and custos audit verify-log', () => {
    let child: ChildProcess;
    let url: string;
    let dataDir: string;
    let tokenFile: string;

    before(async () => {
      dataDir = makeDataDir();
      ({ child, url } = await spawnServe(dataDir, { CUSTOS_MEDIA: 'off' }));
      tokenFile = join(dataDir, 'admin.token');
      const token = (await import('node:fs')).readFileSync(tokenFile, 'utf8').trim();
      let id = '';
      for (const size of SIZES.slice(0, 2)) id = (await upload(url, randomBytes(size), { token })).body.id;
      await waitForAnchored(url, id, token);
    });
    after(() => child.kill('SIGTERM'));

    it('runs an audit to its report (exit 0, nothing found) and prints the report hash', async () => {
      const res = await runCli(['audit', 'run', '--server', url, '--token-file', tokenFile]);
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.contain('NO ALTERATION FOUND: 2 items');
      expect(res.stdout).to.match(/report sha256 [0-9a-f]{64}, logged as audit\.completed at leaf \d+/);
      const json = await runCli(['audit', 'run', '--sample', '50', '--server', url, '--token-file', tokenFile, '--json']);
      expect(JSON.parse(json.stdout).counts.items).to.equal(1);
    });

    it('lets an outsider check the whole log against the chain', async () => {
      const health = (await getJson(`${url}/healthz`)).body;
      const res = await runCli(['audit', 'verify-log', '--server', url, '--rpc', health.chain.rpcUrl, '--contract', health.chain.contract]);
      expect(res.code, res.stdout + res.stderr).to.equal(0);
      expect(res.stdout).to.contain('VERIFIED');
    });

    it('gives one readable line for usage errors', async () => {
      const res = await runCli(['audit', 'run', '--sample', '5', '--case', '1', '--server', url, '--token-file', tokenFile]);
      expect(res.code).to.equal(2);
      expect(res.stderr.trim().split('\n')).to.have.length(1);
      const noToken = await runCli(['audit', 'run', '--server', url], { CUSTOS_TOKEN: '' });
      expect(noToken.code).to.equal(2);
      expect(noToken.stderr).to.contain('token');
      expect((await runCli(['audit', 'frobnicate'])).code).to.equal(2);
    });
  });
});
