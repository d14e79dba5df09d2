import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { openZip, zipStream, type ZipInput } from '../../server/adapters/package/zip';
import { runCli } from '../helpers/cli';
import { getJson, postJson, sampleMetadata, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { scratchDir } from '../helpers/scratch';

const run = promisify(execFile);
const hasPdftotext = existsSync('/usr/bin/pdftotext');

async function pdfText(pdf: Buffer, dir: string): Promise<string> {
  const file = join(dir, `doc-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  return (await run('pdftotext', ['-layout', file, '-'])).stdout;
}

/** Rewrites a ZIP with `edit` applied to the named entry's bytes (the tampering a package could suffer in transit). */
async function tamper(source: string, target: string, name: string, edit: (bytes: Buffer) => Buffer): Promise<void> {
  const zip = await openZip(source);
  const entries: ZipInput[] = [];
  for (const entry of zip.names()) {
    const bytes = await zip.read(entry);
    entries.push({ name: entry, data: entry === name ? edit(bytes) : bytes });
  }
  zip.close();
  await pipeline(zipStream(entries), createWriteStream(target));
}

describe('case-file package: ZIP with manifest, proofs, certificate; verified offline; one tampered file detected', function () {
  this.timeout(120_000);
  let server: TestServer;
  let work: string;
  let officer: string;
  let code: string;
  let zipPath: string;
  const items: Array<{ id: string; sha256: string; bytes: Buffer }> = [];

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    work = scratchDir('custos-package-');
    officer = server.custos.components.tokens.create('张三', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
    code = (await postJson(`${server.url}/v1/cases`, { actionType: '02', title: '无证经营 unlicensed street trading' }, officer)).body.code;
    for (const [i, fileName] of ['执法记录仪-现场.mp4', 'interview.m4a'].entries()) {
      const bytes = randomBytes(20_000 + i);
      // Header values travel as latin1: UTF-8 metadata (a Chinese file name) is sent as its bytes.
      const metadata = Buffer.from(JSON.stringify(sampleMetadata({ fileName })), 'utf8').toString('latin1');
      const res = await upload(server.url, bytes, { token: officer, headers: { 'custos-metadata': metadata } });
      items.push({ id: res.body.id, sha256: res.body.sha256, bytes });
      await postJson(`${server.url}/v1/cases/${code}/evidence`, { evidenceId: res.body.id, purpose: 'scene recording' }, officer);
    }
    await waitForAnchored(server.url, items[1].id, officer);
  });
  after(async () => server.stop({ remove: true }));

  const download = (query: string, token = officer) => fetch(`${server.url}/v1/cases/${code}/package${query}`, { headers: { authorization: `Bearer ${token}` } });
  const verifyPackage = (path: string) => runCli(['verify', '--package', path, '--rpc', rpcUrl(), '--contract', contract(), '--json']);
  let info: { rpcUrl: string; contract: string };
  const rpcUrl = () => info.rpcUrl;
  const contract = () => info.contract;

  it('refuses an export without a stated purpose (400 PURPOSE_REQUIRED)', async () => {
    info = await server.custos.components.chain.info();
    const res = await download('');
    expect(res.status).to.equal(400);
    expect(((await res.json()) as any).error.code).to.equal('PURPOSE_REQUIRED');
  });

  it('packages the case, logging case.packaged with the manifest hash, and includes that event’s own proof', async () => {
    const res = await download(`?purpose=${encodeURIComponent('移送法院 hand-over to the court')}&media=1`);
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/zip');
    zipPath = join(work, 'case.zip');
    writeFileSync(zipPath, Buffer.from(await res.arrayBuffer()));
    const zip = await openZip(zipPath);
    try {
      expect(zip.names()).to.include.members([
        'manifest.json',
        'proofs/manifest.json',
        'certificate.pdf',
        'certificate.html',
        'README.txt',
        ...items.flatMap((i) => [`proofs/${i.id}.json`, `media/${i.id}`]),
      ]);
      const manifestBytes = await zip.read('manifest.json');
      const manifest = JSON.parse(manifestBytes.toString());
      const sha = createHash('sha256').update(manifestBytes).digest('hex');
      expect(res.headers.get('custos-manifest-sha256')).to.equal(sha);
      expect(manifest.case).to.include({ code, title: '无证经营 unlicensed street trading', status: 'open' });
      expect(manifest.items.map((i: any) => i.sha256)).to.deep.equal(items.map((i) => i.sha256));
      expect(manifest.items[0]).to.include({ anchored: true, review: 'pending' });
      expect(manifest.items[0].attachedBy).to.deep.include({ name: '张三', certificate: 'ZF-11010500421' });
      expect(manifest.items[0].custody.byType['custody.attach']).to.equal(1);
      expect(manifest.review.stages).to.have.length(5);

      const leaf = Number(res.headers.get('custos-leaf-index'));
      const [entry] = (await getJson(`${server.url}/v1/log/entries?start=${leaf}&end=${leaf + 1}`)).body.entries;
      expect(entry.event).to.include({ type: 'case.packaged', caseCode: code, manifestSha256: sha, purpose: '移送法院 hand-over to the court' });
      const manifestProof = JSON.parse((await zip.read('proofs/manifest.json')).toString());
      expect(manifestProof.event).to.deep.equal(entry.event);
      const history = (await getJson(`${server.url}/v1/cases/${code}/custody`, officer)).body.events.map((e: any) => e.event.type);
      expect(history).to.include('case.packaged');
    } finally {
      zip.close();
    }
  });

  it('prints a certificate whose Chinese and English text, case code and hashes survive text extraction', async function () {
    if (!hasPdftotext) this.skip();
    const zip = await openZip(zipPath);
    const pdf = await zip.read('certificate.pdf');
    const html = (await zip.read('certificate.html')).toString();
    zip.close();
    const text = await pdfText(pdf, work);
    const compact = text.replace(/\s+/g, '');
    expect(text).to.contain('证据保全证书');
    expect(text).to.contain('张三');
    expect(compact).to.contain(code);
    for (const item of items) {
      expect(compact).to.contain(item.sha256);
      expect(html).to.contain(`/verify?sha256=${item.sha256}`);
    }
    expect(text).to.match(/Evidence Preservation Certificate/i);
  });

  it('verifies offline against the chain (custos verify --package): manifest and every item, media included', async () => {
    const res = await verifyPackage(zipPath);
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    const result = JSON.parse(res.stdout);
    expect(result.ok).to.equal(true);
    expect(result.items).to.have.length(2);
    for (const item of result.items) expect(item.checks.find((c: any) => c.check === 'content-hash')).to.include({ ok: true });
    const human = await runCli(['verify', '--package', zipPath, '--rpc', rpcUrl(), '--contract', contract()]);
    expect(human.stdout).to.contain('VERIFIED: the manifest and all 2 items');
  });

  it('finds one flipped byte in one recording and names that item only', async () => {
    const tampered = join(work, 'tampered-media.zip');
    await tamper(zipPath, tampered, `media/${items[1].id}`, (b) => {
      const copy = Buffer.from(b);
      copy[100] ^= 0x01;
      return copy;
    });
    const res = await verifyPackage(tampered);
    expect(res.code).to.equal(1);
    const result = JSON.parse(res.stdout);
    expect(result.manifest.ok).to.equal(true);
    expect(result.items.map((i: any) => i.ok)).to.deep.equal([true, false]);
    const failing = result.items[1].checks.filter((c: any) => !c.ok);
    expect(failing.map((c: any) => c.code)).to.deep.equal(['CONTENT_HASH_MISMATCH']);
    const human = await runCli(['verify', '--package', tampered, '--rpc', rpcUrl(), '--contract', contract()]);
    expect(human.stdout).to.contain(`✗ ${items[1].id}`);
    expect(human.stdout).to.contain('NOT VERIFIED: 1 of 2 items');
  });

  it('finds an edited manifest (its hash is no longer the logged one)', async () => {
    const tampered = join(work, 'tampered-manifest.zip');
    await tamper(zipPath, tampered, 'manifest.json', (b) => Buffer.from(b.toString().replace('unlicensed street trading', 'nothing happened')));
    const result = JSON.parse((await verifyPackage(tampered)).stdout);
    expect(result.ok).to.equal(false);
    expect(result.manifest.checks[0]).to.include({ check: 'manifest', ok: false, code: 'MANIFEST_HASH_MISMATCH' });
  });

  it('serves the package to a court only while the case is shared with it', async () => {
    const court = server.custos.components.tokens.create('朝阳区人民法院', 'court');
    expect((await download('?purpose=hearing', court.secret)).status).to.equal(404);
    await postJson(`${server.url}/v1/cases/${code}/shares`, { courtTokenId: court.token.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), purpose: 'hearing' }, officer);
    const res = await download('?purpose=hearing', court.secret);
    expect(res.status).to.equal(200);
    await res.arrayBuffer();
  });

  it('prints the supervision card (一案一卡) with the officer, certificate number, case code and the public status link', async function () {
    const res = await fetch(`${server.url}/v1/cases/${code}/card`, { headers: { authorization: `Bearer ${officer}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const status = await getJson(`${server.url}/v1/cases/${code}/public-status`);
    expect(status.status, 'public: no token').to.equal(200);
    expect(status.body).to.include({ code, status: 'open', review: 'pending' });
    expect(status.body).to.not.have.property('title');
    if (!hasPdftotext) this.skip();
    const text = (await pdfText(pdf, work)).replace(/\s+/g, '');
    expect(text).to.contain('张三');
    expect(text).to.contain('ZF-11010500421');
    expect(text).to.contain(code);
    expect(text).to.contain(`/v1/cases/${code}/public-status`);
  });
});
