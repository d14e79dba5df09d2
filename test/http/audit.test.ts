import { expect } from 'chai';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../server/adapters/db/database';
import { deployCustosLog } from '../../server/adapters/chain/deploy';
import { createEthersChainAnchor } from '../../server/adapters/chain/ethers-chain-anchor';
import { AuditStore } from '../../server/adapters/db/audit-store';
import { Auditor } from '../../server/services/audit/auditor';
import { computeLeafHash } from '../../server/core/events';
import { toHex } from '../../server/core/hex';
import { createLogger } from '../../server/logger';
import { makeSampleMedia } from '../../scripts/sample-media';
import { JsonRpcProvider, Wallet, toQuantity } from 'ethers';
import { getJson, postJson, startTestServer, upload, type TestServer } from '../helpers/server';
import { scratchDir } from '../helpers/scratch';

/**
 * The tamper matrix: each fault is injected into the real data directory of a
 * running service (block files, SQLite rows, a second contract deployment),
 * an audit runs, and it must report exactly that fault — the right item and
 * check, nothing else. Each case then undoes its fault.
 */
describe('integrity audits: the tamper matrix', function () {
  this.timeout(240_000);
  let server: TestServer;
  let db: Db;
  let work: string;
  const ev: Record<'a' | 'clip' | 'c', { id: string; sha256: string; cid: string; leafIndex: number }> = {} as never;
  let recordingId: string;
  let noteLeaf: number;

  const blockPath = async (cid: string): Promise<string> => {
    const { NextToLast } = await import('blockstore-fs/sharding');
    const { CID } = await import('multiformats/cid');
    const { dir, file } = new NextToLast().encode(CID.parse(cid));
    return join(server.dataDir, 'ipfs', 'blocks', dir, file);
  };

  /** Runs a full audit through the API and returns "item|check" of each finding. */
  async function audit(scope: object = {}): Promise<{ findings: string[]; body: any; report: any }> {
    const started = await postJson(`${server.url}/v1/audits`, scope, server.adminToken);
    expect(started.status, JSON.stringify(started.body)).to.equal(202);
    await server.custos.components.auditor.idle();
    const body = (await getJson(`${server.url}/v1/audits/${started.body.id}`, server.adminToken)).body;
    expect(body.state, JSON.stringify(body)).to.equal('completed');
    const report = (await getJson(`${server.url}/v1/audits/${started.body.id}/report`, server.adminToken)).body;
    return { findings: report.findings.map((f: any) => `${f.item}|${f.check}`).sort(), body, report };
  }

  async function allAnchored(): Promise<void> {
    const { log, anchors } = server.custos.components;
    for (let i = 0; i < 300 && (anchors.latest()?.treeSize ?? 0) < log.size(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(anchors.latest()?.treeSize).to.equal(log.size());
  }

  before(async () => {
    server = await startTestServer();
    work = scratchDir('custos-audit-');
    const media = await makeSampleMedia(undefined, join(work, 'media'));
    const put = async (key: 'a' | 'clip' | 'c', bytes: Buffer, type = 'application/octet-stream') => {
      const body = (await upload(server.url, bytes, { token: server.adminToken, contentType: type })).body;
      ev[key] = { id: body.id, sha256: body.sha256, cid: body.cid, leafIndex: body.leafIndex };
    };
    await put('a', randomBytes(30_000));
    await put('clip', readFileSync(media.mp4), 'video/mp4');
    await put('c', randomBytes(40_000));

    // A case with a note: a log leaf that no record points at (the fork rewrites it).
    const officer = server.custos.components.tokens.create('张三', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
    const code = (await postJson(`${server.url}/v1/cases`, { actionType: '01', title: 'audit matrix' }, officer)).body.code;
    noteLeaf = (await postJson(`${server.url}/v1/cases/${code}/notes`, { text: 'scene secured' }, officer)).body.leafIndex;

    // A live recording of three segments, opened by hand (an admin token needs no device signature).
    recordingId = `rec_${randomUUID()}`;
    const auth = { authorization: `Bearer ${server.adminToken}` };
    const opened = await fetch(`${server.url}/v1/recordings/${recordingId}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ recordingId, deviceId: 'BWC-LIVE-1', officerId: 'officer-0421', startedAt: new Date().toISOString(), segmentSeconds: 2, format: 'mpegts' }),
    });
    expect(opened.status).to.equal(201);
    let prev = 'none';
    for (let sequence = 0; sequence < 3; sequence++) {
      const bytes = randomBytes(5000);
      const res = await fetch(`${server.url}/v1/recordings/${recordingId}/segments/${sequence}`, {
        method: 'PUT',
        headers: { ...auth, 'repr-digest': `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`, 'custos-segment-prev': prev },
        body: bytes,
      });
      expect(res.status, await res.clone().text()).to.equal(201);
      prev = createHash('sha256').update(bytes).digest('hex');
    }

    // The clip's renditions (playback copy and poster) must exist before the baseline.
    for (let i = 0; i < 900 && server.custos.components.renditions.forEvidence(ev.clip.id).length < 2; i++) await new Promise((r) => setTimeout(r, 200));
    expect(server.custos.components.renditions.forEvidence(ev.clip.id).length).to.be.greaterThanOrEqual(2);
    await allAnchored();
    db = openDatabase(join(server.dataDir, 'custos.db'));
  });
  after(async () => {
    db?.close();
    await server.stop({ remove: true });
  });

  it('finds nothing in an untouched data directory, and logs the audit (report hash in audit.completed, anchored)', async () => {
    const { findings, body, report } = await audit();
    expect(findings).to.deep.equal([]);
    expect(body.progressPercent).to.equal(100);
    expect(report.counts.items).to.equal(4); // three originals and one recording
    expect(report.counts.bytes).to.be.greaterThan(75_000);
    const reportText = await (await fetch(`${server.url}/v1/audits/${body.id}/report`, { headers: { authorization: `Bearer ${server.adminToken}` } })).text();
    expect(createHash('sha256').update(reportText).digest('hex')).to.equal(body.reportSha256);
    const [entry] = (await getJson(`${server.url}/v1/log/entries?start=${body.leafIndex}&end=${body.leafIndex + 1}`)).body.entries;
    expect(entry.event).to.include({ type: 'audit.completed', auditId: body.id, reportSha256: body.reportSha256 });
    expect(entry.event.counts).to.include({ findings: 0, items: 4 });
    await allAnchored();
    const proof = await getJson(`${server.url}/v1/audits/${body.id}/proof`, server.adminToken);
    expect(proof.status).to.equal(200);
    const verified = await postJson(`${server.url}/v1/verify`, proof.body);
    expect(verified.body.ok, JSON.stringify(verified.body.checks)).to.equal(true);
    const html = await (await fetch(`${server.url}/v1/audits/${body.id}/report?format=html`, { headers: { authorization: `Bearer ${server.adminToken}` } })).text();
    expect(html).to.contain('No alteration found').and.contain(body.reportSha256);
  });

  it('a byte flipped in an original’s IPFS block → that evidence, bytes', async () => {
    const path = await blockPath(ev.a.cid);
    const original = readFileSync(path);
    const flipped = Buffer.from(original);
    flipped[100] ^= 0x01;
    writeFileSync(path, flipped);
    try {
      expect((await audit()).findings).to.deep.equal([`evidence ${ev.a.id}|bytes`]);
    } finally {
      writeFileSync(path, original);
    }
  });

  it('a block deleted → that evidence, bytes', async () => {
    const path = await blockPath(ev.c.cid);
    renameSync(path, `${path}.away`);
    try {
      expect((await audit()).findings).to.deep.equal([`evidence ${ev.c.id}|bytes`]);
    } finally {
      renameSync(`${path}.away`, path);
    }
  });

  it('a rendition replaced → that rendition, bytes', async () => {
    const poster = server.custos.components.renditions.forEvidence(ev.clip.id).find((r) => r.name === 'poster')!;
    const path = await blockPath(poster.cid);
    const original = readFileSync(path);
    writeFileSync(path, randomBytes(original.length));
    try {
      expect((await audit()).findings).to.deep.equal([`rendition ${ev.clip.id}/poster|bytes`]);
    } finally {
      writeFileSync(path, original);
    }
  });

  it('a database record’s sha256 edited → that evidence, record', async () => {
    db.prepare('UPDATE evidence SET sha256 = ? WHERE id = ?').run('f'.repeat(64), ev.a.id);
    try {
      expect((await audit()).findings).to.deep.equal([`evidence ${ev.a.id}|record`]);
    } finally {
      db.prepare('UPDATE evidence SET sha256 = ? WHERE id = ?').run(ev.a.sha256, ev.a.id);
    }
  });

  it('a database record’s recordedAt edited → that evidence, record', async () => {
    const { event } = db.prepare('SELECT event FROM evidence WHERE id = ?').get(ev.c.id) as { event: string };
    const edited = JSON.parse(event);
    edited.metadata.recordedAt = '2020-01-01T00:00:00+08:00';
    db.prepare('UPDATE evidence SET event = ? WHERE id = ?').run(JSON.stringify(edited), ev.c.id);
    try {
      expect((await audit()).findings).to.deep.equal([`evidence ${ev.c.id}|record`]);
    } finally {
      db.prepare('UPDATE evidence SET event = ? WHERE id = ?').run(event, ev.c.id);
    }
  });

  it('a leaf’s stored event edited → that log leaf, leaf', async () => {
    const { event } = db.prepare('SELECT event FROM log_leaves WHERE leaf_index = ?').get(ev.a.leafIndex) as { event: string };
    db.prepare('UPDATE log_leaves SET event = ? WHERE leaf_index = ?').run(event.replace(ev.a.sha256, 'e'.repeat(64)), ev.a.leafIndex);
    try {
      expect((await audit()).findings).to.deep.equal([`log leaf ${ev.a.leafIndex}|leaf`]);
    } finally {
      db.prepare('UPDATE log_leaves SET event = ? WHERE leaf_index = ?').run(event, ev.a.leafIndex);
    }
  });

  it('a live segment removed → that segment, segment-chain', async () => {
    const row = db.prepare('SELECT * FROM segments WHERE recording_id = ? AND sequence = 1').get(recordingId) as Record<string, unknown>;
    db.prepare('DELETE FROM segments WHERE recording_id = ? AND sequence = 1').run(recordingId);
    try {
      expect((await audit()).findings).to.deep.equal([`segment ${recordingId}#1|segment-chain`]);
    } finally {
      db.prepare('INSERT INTO segments (recording_id, sequence, sha256, size, cid, leaf_index, event, received_at) VALUES (@recording_id, @sequence, @sha256, @size, @cid, @leaf_index, @event, @received_at)').run(row);
    }
  });

  it('a leaf deleted from the log table → that log leaf, log-entry', async () => {
    const row = db.prepare('SELECT * FROM log_leaves WHERE leaf_index = ?').get(noteLeaf) as Record<string, unknown>;
    // As an insider with the sqlite3 shell would: foreign keys are off there by default.
    db.pragma('foreign_keys = OFF');
    db.prepare('DELETE FROM log_leaves WHERE leaf_index = ?').run(noteLeaf);
    try {
      expect((await audit()).findings).to.deep.equal([`log leaf ${noteLeaf}|log-entry`]);
    } finally {
      db.prepare('INSERT INTO log_leaves (leaf_index, leaf_hash, event, appended_at) VALUES (@leaf_index, @leaf_hash, @event, @appended_at)').run(row);
      db.pragma('foreign_keys = ON');
    }
  });

  it('the chain’s contract pointing at different roots (a second deployment) → every anchored head, chain-root', async () => {
    const { chain, anchors, log, evidence, renditions, recordings, content } = server.custos.components;
    const info = await chain.info();
    // The impostor's own account (the service's anchorer key is busy anchoring): funded through anvil's dev API.
    const impostor = Wallet.createRandom();
    const signerKey = impostor.privateKey;
    const provider = new JsonRpcProvider(info.rpcUrl);
    await provider.send('anvil_setBalance', [impostor.address, toQuantity(10n ** 20n)]);
    provider.destroy();
    const second = await deployCustosLog({ rpcUrl: info.rpcUrl, signerKey });
    const otherChain = createEthersChainAnchor({ rpcUrl: info.rpcUrl, contract: second.contract, signerKey, timeoutMs: 10_000 });
    // The impostor anchors a head of the same size as the first real one, with another root.
    const first = anchors.all()[0];
    await otherChain.anchorHead(first.treeSize, 'ab'.repeat(32), []);
    await allAnchored();
    const anchoredHeads = anchors.all().length;
    const audits = new AuditStore(db);
    const auditor = new Auditor({ db, log, anchors, audits, evidence, renditions, recordings, content, chain: otherChain, maxBytesPerSecond: 0, logger: createLogger('silent') });
    try {
      const row = auditor.request({ kind: 'full' }, { tokenId: 'test', name: 'test', role: 'auditor' });
      auditor.start();
      await auditor.idle();
      const findings = audits.findings(row.id).map((f) => `${f.item}|${f.check}`);
      expect(findings).to.have.length(anchoredHeads);
      expect(new Set(findings.map((f) => f.split('|')[1]))).to.deep.equal(new Set(['chain-root']));
      expect(findings).to.include(`anchored head ${first.treeSize}|chain-root`);
    } finally {
      await auditor.stop();
      await otherChain.close();
    }
  });

  it('the log table rebuilt with a different history (a fork) → the first later anchored head, consistency (found on chain)', async () => {
    const row = db.prepare('SELECT event, leaf_hash FROM log_leaves WHERE leaf_index = ?').get(noteLeaf) as { event: string; leaf_hash: Buffer };
    const forged = JSON.parse(row.event);
    forged.note = 'nothing was secured';
    const forgedHash = Buffer.from(computeLeafHash(forged));
    db.prepare('UPDATE log_leaves SET event = ?, leaf_hash = ? WHERE leaf_index = ?').run(JSON.stringify(forged), forgedHash, noteLeaf);
    try {
      const firstAfter = server.custos.components.anchors.all().find((a) => a.treeSize > noteLeaf)!;
      const { findings, report } = await audit();
      expect(findings).to.deep.equal([`anchored head ${firstAfter.treeSize}|consistency`]);
      expect(report.findings[0].found).to.not.equal(report.findings[0].expected);
      expect(toHex(forgedHash)).to.not.equal(toHex(row.leaf_hash));
    } finally {
      db.prepare('UPDATE log_leaves SET event = ?, leaf_hash = ? WHERE leaf_index = ?').run(row.event, row.leaf_hash, noteLeaf);
    }
  });
});
