import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../server/core/errors';
import type { ChainAnchor } from '../../server/ports';
import { getJson, makeDataDir, postJson, startTestServer, trickle, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { spawnServe } from '../helpers/cli';
import { until, within } from '../helpers/deadline';
import { peekPidFile } from '../../server/adapters/chain/anvil-pid-file';

/** Fault injection: a chain adapter that fails like an unreachable RPC while `down` is set. */
function outageSwitch() {
  const state = { down: false, failedCalls: 0 };
  const wrap = (chain: ChainAnchor): ChainAnchor =>
    new Proxy(chain, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'close' || property === 'info') return value;
        return (...args: unknown[]) => {
          if (state.down) {
            state.failedCalls += 1;
            return Promise.reject(new AppError('CHAIN_UNAVAILABLE', 'injected outage: connection refused'));
          }
          return value.apply(target, args);
        };
      },
    });
  return { state, wrap };
}

/** Kills the anvil named by a data directory's pid file, if any. */
function endOrphanedAnvil(dataDir: string): void {
  const recorded = peekPidFile(join(dataDir, 'chain', 'anvil.pid'));
  if (!recorded) return;
  try {
    process.kill(recorded.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

// These tests count log leaves, one per upload: the media pipeline (which logs its own
// events for each upload) is switched off here; test/http/media*.test.ts cover it.
const NO_MEDIA = { media: { enabled: false } };

describe('resilience', function () {
  describe('when the chain is unreachable, then back (fault injected: chain adapter outage)', () => {
    const outage = outageSwitch();
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ config: NO_MEDIA, start: { wrapChain: outage.wrap } });
    });
    after(async () => server.stop({ remove: true }));

    it('keeps accepting evidence, reports degraded health, and anchors everything once the chain is back', async () => {
      const first = (await upload(server.url, randomBytes(5000), { token: server.adminToken })).body;
      await waitForAnchored(server.url, first.id, server.adminToken);

      outage.state.down = true;
      const during = [];
      for (let i = 0; i < 3; i++) {
        const res = await upload(server.url, randomBytes(5000), { token: server.adminToken });
        expect(res.status).to.equal(201);
        during.push(res.body);
      }
      await new Promise((r) => setTimeout(r, 800));
      expect(outage.state.failedCalls).to.be.greaterThan(0);
      const health = await getJson(`${server.url}/healthz`);
      expect(health.status).to.equal(503);
      expect(health.body.chain.ok).to.equal(false);
      expect(health.body.chain.anchorer.consecutiveFailures).to.be.greaterThan(0);
      for (const record of during) {
        expect((await getJson(`${server.url}/v1/evidence/${record.id}`, server.adminToken)).body.status).to.equal('pending');
      }

      outage.state.down = false;
      for (const record of during) await waitForAnchored(server.url, record.id, server.adminToken);
      const head = (await getJson(`${server.url}/v1/log/head`)).body;
      expect(head.treeSize).to.equal(4);
      expect(head.anchored.treeSize).to.equal(4);
      for (const record of [first, ...during]) {
        expect((await postJson(`${server.url}/v1/verify`, { sha256: record.sha256 })).body.ok).to.equal(true);
      }
      expect((await getJson(`${server.url}/healthz`)).status).to.equal(200);
    });
  });

  describe('after a graceful restart', () => {
    it('keeps records, log and anchors, and extends the anchored history consistently', async () => {
      const dataDir = makeDataDir();
      let server = await startTestServer({ dataDir, config: NO_MEDIA });
      const before = [];
      for (let i = 0; i < 3; i++) before.push((await upload(server.url, randomBytes(4000), { token: server.adminToken })).body);
      await waitForAnchored(server.url, before[2].id, server.adminToken);
      const headBefore = (await getJson(`${server.url}/v1/log/head`)).body;
      const contractBefore = (await getJson(`${server.url}/healthz`)).body.chain.contract;
      await server.stop();

      server = await startTestServer({ dataDir, config: NO_MEDIA });
      try {
        expect((await getJson(`${server.url}/healthz`)).body.chain.contract).to.equal(contractBefore);
        const headAfter = (await getJson(`${server.url}/v1/log/head`)).body;
        expect(headAfter.treeSize).to.equal(headBefore.treeSize);
        expect(headAfter.rootHash).to.equal(headBefore.rootHash);
        expect(headAfter.anchored.treeSize).to.equal(headBefore.anchored.treeSize);
        for (const record of before) {
          expect((await postJson(`${server.url}/v1/verify`, { sha256: record.sha256 })).body.ok).to.equal(true);
        }
        // The contract only accepts this head with a valid consistency proof from the one anchored before the restart.
        const after = (await upload(server.url, randomBytes(4000), { token: server.adminToken })).body;
        const anchored = await waitForAnchored(server.url, after.id, server.adminToken);
        expect(anchored.anchor.treeSize).to.equal(4);
      } finally {
        await server.stop({ remove: true });
      }
    });
  });

  describe('when the service is killed with SIGKILL during an upload', () => {
    it('leaves no half record, keeps the finished ones, and restarts cleanly (taking over the orphaned chain)', async () => {
      const dataDir = makeDataDir();
      const { child, url } = await within(60_000, 'custos serve starts', spawnServe(dataDir, { CUSTOS_MEDIA: 'off' }));
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      let server: TestServer | undefined;
      try {
        const finished = (await within(20_000, 'a first upload completes', upload(url, randomBytes(100_000), { token }))).body;
        expect(finished.id).to.match(/^ev_/);

        const slow = trickle(200, 256 * 1024, 20);
        // A client's own timeout: once the server is dead, the upload must end one way or another.
        const clientGivesUp = new AbortController();
        let settled = false;
        const interrupted = upload(url, slow.body, { token, signal: clientGivesUp.signal })
          .then(
            () => 'completed',
            () => 'failed',
          )
          .finally(() => (settled = true));
        await until(20_000, 'the slow upload is under way', () => slow.sent() >= 12 || settled);
        expect(settled, 'the slow upload ended before the kill').to.equal(false);
        child.kill('SIGKILL');
        await within(10_000, 'the killed service exits', new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve))));
        const giveUp = setTimeout(() => clientGivesUp.abort(), 15_000);
        expect(await interrupted).to.equal('failed');
        clearTimeout(giveUp);

        server = await within(60_000, 'the service restarts on the same directory', startTestServer({ dataDir, config: NO_MEDIA }));
        const head = (await getJson(`${server.url}/v1/log/head`)).body;
        expect(head.treeSize).to.equal(1);
        const { evidence } = server.custos.components;
        expect(evidence.count()).to.equal(1);
        expect(evidence.byId(finished.id)).to.not.equal(null);
        const staging = join(dataDir, 'ipfs', 'staging');
        expect(existsSync(staging) ? readdirSync(staging) : []).to.deep.equal([]);

        await waitForAnchored(server.url, finished.id, server.adminToken);
        expect((await postJson(`${server.url}/v1/verify`, { sha256: finished.sha256 })).body.ok).to.equal(true);
        const next = (await upload(server.url, randomBytes(1000), { token: server.adminToken })).body;
        await waitForAnchored(server.url, next.id, server.adminToken);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        if (server) await server.stop();
        else endOrphanedAnvil(dataDir); // the killed service's anvil outlives it; a failed restart must not leak it
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('when a client aborts an upload', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(async () => server.stop({ remove: true }));

    it('leaves no record, no leaf and no staged file', async () => {
      const controller = new AbortController();
      const slow = trickle(100, 128 * 1024, 10);
      const attempt = fetch(`${server.url}/v1/evidence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'custos-metadata': JSON.stringify({ deviceId: 'd', officerId: 'o', recordedAt: '2026-11-20T09:30:00Z' }) },
        body: slow.body as any,
        duplex: 'half',
        signal: controller.signal,
      } as RequestInit).catch((error: Error) => error);
      while (slow.sent() < 10) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      expect(await attempt).to.be.instanceOf(Error);
      // The server notices the reset asynchronously; give it a moment to clean up.
      const staging = join(server.dataDir, 'ipfs', 'staging');
      for (let i = 0; i < 50 && existsSync(staging) && readdirSync(staging).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(staging) ? readdirSync(staging) : []).to.deep.equal([]);
      expect((await getJson(`${server.url}/v1/log/head`)).body.treeSize).to.equal(0);
      expect(server.custos.components.evidence.count()).to.equal(0);
    });
  });
});
