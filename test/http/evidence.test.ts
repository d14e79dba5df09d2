import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  getJson,
  postJson,
  reprDigestOf,
  sampleMetadata,
  sha256Hex,
  startTestServer,
  upload,
  waitForAnchored,
  type TestServer,
} from '../helpers/server';

/** Files left in the IPFS staging area: must be none once a request has ended. */
function stagingEntries(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'ipfs', 'staging'));
  } catch {
    return [];
  }
}

describe('HTTP /v1/evidence (real anvil, IPFS blockstore, SQLite)', function () {
  let server: TestServer;
  before(async () => {
    // Media off: these tests compare log sizes, and a probe of an earlier upload logs its own event (media: test/http/media*.test.ts).
    server = await startTestServer({ config: { media: { enabled: false } } });
  });
  after(async () => {
    await server.stop({ remove: true });
  });

  describe('happy path: upload → anchored → proof → verify', () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    let record: any;

    it('answers 201 with the record, pending until anchored', async () => {
      const res = await upload(server.url, bytes, { token: server.adminToken, reprDigest: reprDigestOf(bytes) });
      expect(res.status).to.equal(201);
      record = res.body;
      expect(record).to.include({ sha256: sha256Hex(bytes), size: bytes.length, mediaType: 'video/mp4', cidProfile: 'unixfs-v1-2025' });
      expect(record.id).to.match(/^ev_/);
      expect(record.cid).to.match(/^bafy/);
      expect(record.leafIndex).to.be.a('number');
      expect(['pending', 'anchored']).to.include(record.status);
      expect(res.headers.get('location')).to.equal(`/v1/evidence/${record.id}`);
    });

    it('becomes anchored, with the anchoring transaction in the record', async () => {
      const anchored = await waitForAnchored(server.url, record.id, server.adminToken);
      expect(anchored.anchor.treeSize).to.be.greaterThan(record.leafIndex);
      expect(anchored.anchor.txHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it('finds the record by id and by sha256', async () => {
      const byId = await getJson(`${server.url}/v1/evidence/${record.id}`, server.adminToken);
      const bySha = await getJson(`${server.url}/v1/evidence?sha256=${record.sha256}`, server.adminToken);
      expect(byId.status).to.equal(200);
      expect(bySha.body.id).to.equal(record.id);
      expect(byId.body.metadata).to.deep.equal(sampleMetadata());
    });

    it('serves the bytes with ETag = sha256, Range and 304', async () => {
      const full = await fetch(`${server.url}/v1/evidence/${record.id}/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      expect(full.status).to.equal(200);
      expect(full.headers.get('etag')).to.equal(`"${record.sha256}"`);
      expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).to.equal(true);

      const start = 1024 * 1024 - 5; // spans a 1 MiB chunk boundary
      const ranged = await fetch(`${server.url}/v1/evidence/${record.id}/content?purpose=test`, {
        headers: { authorization: `Bearer ${server.adminToken}`, range: `bytes=${start}-${start + 99}` },
      });
      expect(ranged.status).to.equal(206);
      expect(ranged.headers.get('content-range')).to.equal(`bytes ${start}-${start + 99}/${bytes.length}`);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(start, start + 100))).to.equal(true);

      const suffix = await fetch(`${server.url}/v1/evidence/${record.id}/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}`, range: 'bytes=-10' } });
      expect(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).to.equal(true);

      const unsatisfiable = await getJson(`${server.url}/v1/evidence/${record.id}/content?purpose=test`, server.adminToken, { headers: { range: `bytes=${bytes.length}-` } });
      expect(unsatisfiable.status).to.equal(416);
      expect(unsatisfiable.body.error.code).to.equal('INVALID_RANGE');
      expect(unsatisfiable.headers.get('content-range')).to.equal(`bytes */${bytes.length}`);

      const cached = await fetch(`${server.url}/v1/evidence/${record.id}/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}`, 'if-none-match': `"${record.sha256}"` } });
      expect(cached.status).to.equal(304);
    });

    it('returns a custos.proof/v1 bundle that POST /v1/verify accepts, every check passing', async () => {
      const proof = await getJson(`${server.url}/v1/evidence/${record.id}/proof`, server.adminToken);
      expect(proof.status).to.equal(200);
      expect(proof.body).to.include({ version: 'custos.proof/v1', leafIndex: record.leafIndex });
      expect(proof.body.anchor).to.have.keys(['chainId', 'contract', 'txHash', 'blockNumber', 'anchoredAt']);

      const verified = await postJson(`${server.url}/v1/verify`, proof.body);
      expect(verified.status).to.equal(200);
      expect(verified.body.ok, JSON.stringify(verified.body)).to.equal(true);
      expect(verified.body.checks.map((c: any) => c.check)).to.include.members(['leaf-hash', 'inclusion', 'anchor', 'chain-inclusion']);
    });

    it('verifies the raw file bytes (public, no token)', async () => {
      const res = await fetch(`${server.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
      const body: any = await res.json();
      expect(body.ok, JSON.stringify(body)).to.equal(true);
      expect(body.evidence.id).to.equal(record.id);
      expect(body.checks.find((c: any) => c.check === 'content-hash').ok).to.equal(true);
    });

    it('verifies by {sha256}', async () => {
      const res = await postJson(`${server.url}/v1/verify`, { sha256: record.sha256 });
      expect(res.body.ok).to.equal(true);
      expect(res.body.anchoredAt).to.be.a('string');
    });

    it('returns the existing record (200) for identical bytes, without a second leaf', async () => {
      const before = await getJson(`${server.url}/v1/log/head`);
      const again = await upload(server.url, bytes, { token: server.adminToken, metadata: sampleMetadata({ deviceId: 'BWC-9999' }) });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(record.id);
      const after = await getJson(`${server.url}/v1/log/head`);
      expect(after.body.treeSize).to.equal(before.body.treeSize);
    });
  });

  describe('when Repr-Digest does not match the bytes', () => {
    it('answers 422 DIGEST_MISMATCH and stores and logs nothing', async () => {
      const before = await getJson(`${server.url}/v1/log/head`);
      const bytes = randomBytes(200_000);
      const res = await upload(server.url, bytes, { token: server.adminToken, reprDigest: reprDigestOf(randomBytes(10)) });
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('DIGEST_MISMATCH');
      expect(res.body.error.requestId).to.be.a('string');
      const lookup = await getJson(`${server.url}/v1/evidence?sha256=${sha256Hex(bytes)}`, server.adminToken);
      expect(lookup.status).to.equal(404);
      expect((await getJson(`${server.url}/v1/log/head`)).body.treeSize).to.equal(before.body.treeSize);
      expect(stagingEntries(server.dataDir)).to.deep.equal([]);
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Parameters<typeof upload>[2] extends infer O ? Partial<O> : never, number, string]> = [
      ['no metadata', { metadata: null }, 400, 'INVALID_METADATA'],
      ['metadata missing officerId', { metadata: { deviceId: 'x', recordedAt: '2026-11-20T09:30:00Z' } }, 400, 'INVALID_METADATA'],
      ['metadata with an unknown field', { metadata: sampleMetadata({ colour: 'red' }) }, 400, 'INVALID_METADATA'],
      ['recordedAt that is not ISO-8601', { metadata: sampleMetadata({ recordedAt: 'yesterday' }) }, 400, 'INVALID_METADATA'],
      ['endedAt before recordedAt', { metadata: sampleMetadata({ endedAt: '2026-11-19T09:30:00Z' }) }, 400, 'INVALID_METADATA'],
      ['metadata that is not JSON', { headers: { 'custos-metadata': '{deviceId:' } }, 400, 'INVALID_METADATA'],
      ['a malformed Repr-Digest', { reprDigest: 'sha-256=abc' }, 400, 'INVALID_DIGEST_HEADER'],
      ['a Repr-Digest of the wrong length', { reprDigest: 'sha-256=:AAAA:' }, 400, 'INVALID_DIGEST_HEADER'],
      ['a Repr-Digest in non-canonical base64', { reprDigest: `sha-256=:${'A'.repeat(42)}AB=:` }, 400, 'INVALID_DIGEST_HEADER'],
      ['a Content-Type that is not a media type', { contentType: 'video' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['metadata over the size limit', { metadata: sampleMetadata({ note: 'x'.repeat(3000) }) }, 400, 'METADATA_TOO_LARGE'],
    ];
    let small: TestServer;
    before(async () => {
      small = await startTestServer({ config: { maxUploadBytes: 100_000, maxMetadataBytes: 2048 } });
    });
    after(async () => small.stop({ remove: true }));

    for (const [name, options, status, code] of cases) {
      it(`answers ${status} ${code} for ${name}`, async () => {
        const res = await upload(small.url, randomBytes(1000), { token: small.adminToken, ...options });
        expect(res.status).to.equal(status);
        expect(res.body.error.code).to.equal(code);
        expect(res.body.error.message).to.be.a('string').and.not.equal('');
      });
    }

    it('answers 413 PAYLOAD_TOO_LARGE above the configured maximum, leaving nothing', async () => {
      const res = await upload(small.url, randomBytes(100_001), { token: small.adminToken });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
      expect((await getJson(`${small.url}/v1/log/head`)).body.treeSize).to.equal(0);
      expect(stagingEntries(small.dataDir)).to.deep.equal([]);
    });

    it('answers 413 when a streamed body (no Content-Length) grows past the maximum', async () => {
      async function* chunks() {
        for (let i = 0; i < 30; i++) yield randomBytes(10_000);
      }
      const res = await upload(small.url, chunks(), { token: small.adminToken });
      expect(res.status).to.equal(413);
      expect(stagingEntries(small.dataDir)).to.deep.equal([]);
    });

    it('answers 400 EMPTY_BODY for an empty body', async () => {
      const res = await upload(small.url, new Uint8Array(0), { token: small.adminToken });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('EMPTY_BODY');
    });

    it('answers 404 EVIDENCE_NOT_FOUND for an unknown id, and 400 for a malformed sha256 query', async () => {
      expect((await getJson(`${small.url}/v1/evidence/ev_00000000-0000-0000-0000-000000000000`, small.adminToken)).body.error.code).to.equal('EVIDENCE_NOT_FOUND');
      expect((await getJson(`${small.url}/v1/evidence?sha256=XYZ`, small.adminToken)).status).to.equal(400);
    });

    it('accepts UTF-8 metadata (Chinese notes) and stores it unchanged', async () => {
      const metadata = sampleMetadata({ note: '现场检查，当事人拒绝签字', location: { lat: 31.2304, lon: 121.4737 } });
      const res = await fetch(`${small.url}/v1/evidence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.adminToken}`, 'custos-metadata': Buffer.from(JSON.stringify(metadata), 'utf8').toString('latin1') },
        body: randomBytes(500),
      });
      const body: any = await res.json();
      expect(res.status).to.equal(201);
      expect(body.metadata).to.deep.equal(metadata);
    });
  });

  describe('before the head containing it is anchored', () => {
    let slow: TestServer;
    before(async () => {
      // Anchoring once an hour: the first tick runs at start, then nothing happens during the test.
      slow = await startTestServer({ config: { anchorIntervalMs: 3_600_000 } });
    });
    after(async () => slow.stop({ remove: true }));

    it('GET /proof answers 202 pending and verify says not yet anchored', async () => {
      await new Promise((r) => setTimeout(r, 300));
      const res = await upload(slow.url, randomBytes(1000), { token: slow.adminToken });
      expect(res.body.status).to.equal('pending');
      const proof = await getJson(`${slow.url}/v1/evidence/${res.body.id}/proof`, slow.adminToken);
      expect(proof.status).to.equal(202);
      expect(proof.body.status).to.equal('pending');
      const verified = await postJson(`${slow.url}/v1/verify`, { sha256: res.body.sha256 });
      expect(verified.body.ok).to.equal(false);
      expect(verified.body.checks.find((c: any) => !c.ok).code).to.equal('NOT_YET_ANCHORED');
    });
  });
});
