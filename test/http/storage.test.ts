import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import type { ContentStore } from '../../server/ports';
import { getJson, reprDigestOf, sampleMetadata, sha256Hex, startTestServer, upload, type TestServer } from '../helpers/server';

const NO_MEDIA = { media: { enabled: false } };

function stagingEntries(server: TestServer): string[] {
  const staging = join(server.dataDir, 'ipfs', 'staging');
  return existsSync(staging) ? readdirSync(staging) : [];
}

/** POST /v1/evidence with `Expect: 100-continue`, as devices send: did the server ask for the body before answering? */
function uploadAskingFirst(url: string, token: string, size: number): Promise<{ status: number; body: any; bodyRequested: boolean }> {
  return new Promise((resolve, reject) => {
    let bodyRequested = false;
    const req = request(`${url}/v1/evidence`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'video/mp4',
        'content-length': size,
        'custos-metadata': JSON.stringify(sampleMetadata()),
        expect: '100-continue',
      },
    });
    req.on('continue', () => {
      bodyRequested = true;
      req.end(randomBytes(size));
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), bodyRequested });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('free disk space', () => {
  describe('when the data directory has less free space than the reserve', () => {
    let server: TestServer;
    const logged: any[] = [];
    before(async () => {
      // A reserve no disk can meet: the real statfs answer is always below it.
      const logger = createLogger('warn', {}, (line) => logged.push(JSON.parse(line)));
      server = await startTestServer({ config: { ...NO_MEDIA, minFreeBytes: Number.MAX_SAFE_INTEGER }, start: { logger } });
    });
    after(async () => server.stop({ remove: true }));

    it('warns at start-up, with the figures', () => {
      const warning = logged.find((entry) => entry.component === 'storage');
      expect(warning?.level).to.equal('warn');
      expect(warning.message).to.match(/below the reserve: uploads will be refused/);
      expect(warning.freeBytes).to.be.a('number').lessThan(warning.minFreeBytes);
    });

    it('refuses an upload with 507 STORAGE_FULL before asking for its body, and keeps nothing', async () => {
      const refused = await uploadAskingFirst(server.url, server.adminToken, 2 * 1024 * 1024);
      expect(refused.status).to.equal(507);
      expect(refused.body.error.code).to.equal('STORAGE_FULL');
      expect(refused.body.error.details.freeBytes).to.be.a('number').greaterThan(0);
      expect(refused.body.error.details.neededBytes).to.equal(2 * 1024 * 1024);
      expect(refused.bodyRequested).to.equal(false);
      expect((await getJson(`${server.url}/v1/log/head`)).body.treeSize).to.equal(0);
      expect(server.custos.components.evidence.count()).to.equal(0);
      expect(stagingEntries(server)).to.deep.equal([]);
    });

    it('refuses a resumable upload at creation, counting its part file and its imported copy', async () => {
      const length = 1000;
      const res = await fetch(`${server.url}/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'tus-resumable': '1.0.0',
          'upload-length': String(length),
          'upload-metadata': tusMetadataHeader(),
        },
      });
      const body = (await res.json()) as any;
      expect(res.status).to.equal(507);
      expect(body.error.code).to.equal('STORAGE_FULL');
      expect(body.error.details.neededBytes).to.equal(2 * length);
      expect(res.headers.get('location')).to.equal(null);
    });

    it('refuses a live segment', async () => {
      const bytes = randomBytes(500);
      const res = await fetch(`${server.url}/v1/recordings/rec_${randomUUID()}/segments/0`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.adminToken}`, 'repr-digest': reprDigestOf(bytes), 'custos-segment-prev': 'none', 'content-type': 'video/mp2t' },
        body: bytes,
      });
      expect(res.status).to.equal(507);
      expect(((await res.json()) as any).error.code).to.equal('STORAGE_FULL');
    });

    it('reports the storage as not ok in /healthz (503 degraded)', async () => {
      const health = await getJson(`${server.url}/healthz`);
      expect(health.status).to.equal(503);
      expect(health.body.status).to.equal('degraded');
      expect(health.body.storage.ok).to.equal(false);
      expect(health.body.storage.minFreeBytes).to.equal(Number.MAX_SAFE_INTEGER);
    });
  });

  it('keeps 512 MiB free by default; CUSTOS_MIN_FREE_BYTES changes it', () => {
    expect(loadConfig({}).minFreeBytes).to.equal(512 * 1024 * 1024);
    expect(loadConfig({ CUSTOS_MIN_FREE_BYTES: '0' }).minFreeBytes).to.equal(0);
    expect(() => loadConfig({ CUSTOS_MIN_FREE_BYTES: '-1' })).to.throw(/CUSTOS_MIN_FREE_BYTES/);
  });

  describe('with a reserve the disk meets', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ config: { ...NO_MEDIA, minFreeBytes: 1024 * 1024 } });
    });
    after(async () => server.stop({ remove: true }));

    it('reports the free space in /healthz and accepts uploads', async () => {
      const health = await getJson(`${server.url}/healthz`);
      expect(health.body.storage.ok).to.equal(true);
      expect(health.body.storage.minFreeBytes).to.equal(1024 * 1024);
      expect(health.body.storage.freeBytes).to.be.greaterThan(health.body.storage.minFreeBytes);
      const res = await upload(server.url, randomBytes(1000), { token: server.adminToken });
      expect(res.status).to.equal(201);
    });
  });

  describe('when the disk fills in the middle of an upload (fault injected: the content store fails with ENOSPC)', () => {
    const fault = { armed: true };
    let server: TestServer;
    before(async () => {
      // The real store, fed a source that fails like a write to a full disk once 1 MiB has gone through.
      const wrapContent = (content: ContentStore): ContentStore =>
        new Proxy(content, {
          get(target, property, receiver) {
            if (property !== 'put') return Reflect.get(target, property, receiver);
            return (source: AsyncIterable<Uint8Array>) => target.put(fault.armed ? failAfter(source, 1024 * 1024) : source);
          },
        });
      server = await startTestServer({ config: NO_MEDIA, start: { wrapContent } });
    });
    after(async () => server.stop({ remove: true }));

    it('answers 507 STORAGE_FULL, keeps nothing of it, and takes the same upload once there is room again', async () => {
      const bytes = randomBytes(3 * 1024 * 1024);
      const failed = await upload(server.url, bytes, { token: server.adminToken, reprDigest: reprDigestOf(bytes) });
      expect(failed.status).to.equal(507);
      expect(failed.body.error.code).to.equal('STORAGE_FULL');
      expect((await getJson(`${server.url}/v1/log/head`)).body.treeSize).to.equal(0);
      expect(server.custos.components.evidence.count()).to.equal(0);
      expect(stagingEntries(server)).to.deep.equal([]);

      fault.armed = false;
      const retried = await upload(server.url, bytes, { token: server.adminToken, reprDigest: reprDigestOf(bytes) });
      expect(retried.status).to.equal(201);
      expect(retried.body.size).to.equal(bytes.length);
    });

    it('keeps a resumable upload whose import hit the full disk: a retry of the final PATCH imports it, nothing sent twice but that chunk', async () => {
      fault.armed = true;
      const bytes = randomBytes(2 * 1024 * 1024);
      const half = bytes.length / 2;
      const tus = (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
        fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${server.adminToken}`, 'tus-resumable': '1.0.0', ...headers }, body });
      const created = await tus('POST', '/v1/uploads', { 'upload-length': String(bytes.length), 'upload-metadata': tusMetadataHeader() });
      expect(created.status).to.equal(201);
      const path = created.headers.get('location')!;
      const chunk = (offset: number) => tus('PATCH', path, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, bytes.subarray(offset, offset + half));
      expect((await chunk(0)).status).to.equal(204);

      const full = await chunk(half);
      expect(full.status).to.equal(507);
      expect(((await full.json()) as any).error.code).to.equal('STORAGE_FULL');
      const kept = await tus('HEAD', path, {});
      expect(kept.status).to.equal(200);
      expect(kept.headers.get('upload-offset')).to.equal(String(half));
      expect(server.custos.components.evidence.bySha256(sha256Hex(bytes))).to.equal(null);

      fault.armed = false;
      const retried = await chunk(half);
      expect(retried.status).to.equal(204);
      const evidenceId = retried.headers.get('custos-evidence-id');
      expect(server.custos.components.evidence.byId(evidenceId!)?.sha256).to.equal(sha256Hex(bytes));
    });
  });
});

async function* failAfter(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let passed = 0;
  for await (const chunk of source) {
    passed += chunk.length;
    if (passed > limit) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    yield chunk;
  }
}

/** The sample metadata as tus Upload-Metadata (key base64(value), comma-separated). */
function tusMetadataHeader(): string {
  return Object.entries(sampleMetadata())
    .map(([key, value]) => `${key} ${Buffer.from(String(value)).toString('base64')}`)
    .join(',');
}
