import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../server/adapters/db/database';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

const failedChecks = (body: any): string[] => body.checks.filter((c: any) => !c.ok).map((c: any) => c.check);
const codeOf = (body: any, check: string): string => body.checks.find((c: any) => c.check === check)?.code;

/** Flips one hex digit, keeping the string well-formed, so only the value is wrong. */
const flipHex = (hex: string, at = 0): string => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

describe('tampering is detected (real chain, real log)', () => {
  let server: TestServer;
  let db: Db;
  const files = [randomBytes(50_000), randomBytes(60_000), randomBytes(70_000)];
  const records: any[] = [];
  let bundle: any;

  before(async () => {
    server = await startTestServer();
    for (const bytes of files) records.push((await upload(server.url, bytes, { token: server.adminToken })).body);
    await waitForAnchored(server.url, records[2].id, server.adminToken);
    bundle = (await getJson(`${server.url}/v1/evidence/${records[1].id}/proof`, server.adminToken)).body;
    expect(bundle.inclusionProof.length).to.be.greaterThan(0);
    db = openDatabase(join(server.dataDir, 'custos.db'));
  });
  after(async () => {
    db.close();
    await server.stop({ remove: true });
  });

  const verifyBundle = async (b: any) => (await postJson(`${server.url}/v1/verify`, b)).body;

  describe('a file with one flipped byte', () => {
    const tampered = Buffer.from(files[1]);
    tampered[12_345] ^= 0x01;

    it('fails content-hash when checked against its record', async () => {
      const res = await fetch(`${server.url}/v1/verify?evidenceId=${records[1].id}`, { method: 'POST', body: tampered });
      const body: any = await res.json();
      expect(body.ok).to.equal(false);
      expect(failedChecks(body)).to.deep.equal(['content-hash']);
      expect(codeOf(body, 'content-hash')).to.equal('CONTENT_HASH_MISMATCH');
    });

    it('is reported as not registered when checked alone', async () => {
      const res = await fetch(`${server.url}/v1/verify`, { method: 'POST', body: tampered });
      const body: any = await res.json();
      expect(body.ok).to.equal(false);
      expect(codeOf(body, 'registered')).to.equal('NOT_REGISTERED');
    });
  });

  describe('a bundle with a tampered field', () => {
    const cases: Array<[string, (b: any) => void, string[]]> = [
      ['an inclusion proof hash', (b) => (b.inclusionProof[0] = flipHex(b.inclusionProof[0], 10)), ['inclusion', 'chain-inclusion']],
      ['the root hash', (b) => (b.rootHash = flipHex(b.rootHash, 5)), ['inclusion', 'anchor']],
      ['the leaf hash', (b) => (b.leafHash = flipHex(b.leafHash)), ['leaf-hash']],
      ['the event (officerId)', (b) => (b.event.metadata.officerId = 'officer-9999'), ['leaf-hash', 'inclusion', 'chain-inclusion']],
      ['the event (sha256)', (b) => (b.event.sha256 = flipHex(b.event.sha256)), ['leaf-hash', 'inclusion', 'chain-inclusion']],
      ['the leaf index', (b) => (b.leafIndex = b.leafIndex === 0 ? 1 : b.leafIndex - 1), ['inclusion', 'chain-inclusion']],
      ['the anchor time', (b) => (b.anchor.anchoredAt = '2020-01-01T00:00:00.000Z'), ['anchor']],
      ['the anchor transaction', (b) => (b.anchor.txHash = '0x' + flipHex(b.anchor.txHash.slice(2))), ['anchor-transaction']],
      ['the anchor block', (b) => (b.anchor.blockNumber += 1), ['anchor-transaction']],
      ['the chain id', (b) => (b.anchor.chainId += 1), ['chain']],
      ['the version', (b) => (b.version = 'custos.proof/v0'), ['bundle-format']],
    ];
    for (const [field, mutate, expectedFailures] of cases) {
      it(`fails ${expectedFailures.join(' + ')} when ${field} is changed`, async () => {
        const copy = structuredClone(bundle);
        mutate(copy);
        const body = await verifyBundle(copy);
        expect(body.ok).to.equal(false);
        expect(failedChecks(body)).to.deep.equal(expectedFailures);
      });
    }

    it('passes when nothing is changed (control)', async () => {
      const body = await verifyBundle(structuredClone(bundle));
      expect(body.ok, JSON.stringify(body.checks)).to.equal(true);
    });
  });

  describe('a database record edited behind the service', () => {
    it('fails leaf-hash: the record no longer matches its logged leaf', async () => {
      db.prepare("UPDATE evidence SET event = replace(event, '\"officerId\":\"officer-0421\"', '\"officerId\":\"officer-0000\"') WHERE id = ?").run(records[0].id);
      const body = (await postJson(`${server.url}/v1/verify`, { sha256: records[0].sha256 })).body;
      expect(body.ok).to.equal(false);
      expect(failedChecks(body)).to.include('leaf-hash');
      expect(codeOf(body, 'leaf-hash')).to.equal('LEAF_HASH_MISMATCH');
    });
  });

  describe('an anchored root edited in the database', () => {
    it('fails anchor: the root is read from the chain, not the database', async () => {
      const latest = db.prepare('SELECT tree_size, root_hash FROM anchors ORDER BY tree_size DESC LIMIT 1').get() as { tree_size: number; root_hash: string };
      db.prepare('UPDATE anchors SET root_hash = ? WHERE tree_size = ?').run(flipHex(latest.root_hash), latest.tree_size);
      const body = (await postJson(`${server.url}/v1/verify`, { sha256: records[2].sha256 })).body;
      expect(body.ok).to.equal(false);
      expect(failedChecks(body)).to.include('anchor');
      expect(codeOf(body, 'anchor')).to.equal('ANCHORED_ROOT_MISMATCH');
      db.prepare('UPDATE anchors SET root_hash = ? WHERE tree_size = ?').run(latest.root_hash, latest.tree_size);
    });
  });
});
