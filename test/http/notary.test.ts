import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { createEthersChainAnchor } from '../../server/adapters/chain/ethers-chain-anchor';
import { signStatement } from '../../server/adapters/chain/notary-signature';
import { NOTARIZATION_VERSION } from '../../server/core/notarization';
import { runCli } from '../helpers/cli';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { scratchDir } from '../helpers/scratch';

describe('notarization: notary cosigns anchored heads and certifies evidence with its own key', function () {
  this.timeout(120_000);
  let server: TestServer;
  let work: string;
  let keyFile: string;
  let notaryAddress: string;
  let notaryToken: string;
  let rpcUrl: string;
  let contract: string;
  let evidence: { id: string; sha256: string };

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    work = scratchDir('custos-notary-');
    keyFile = join(work, 'notary.key');
    notaryToken = server.custos.components.tokens.create('北京市长安公证处', 'notary').secret;
    const info = await server.custos.components.chain.info();
    rpcUrl = info.rpcUrl;
    contract = info.contract;
    evidence = (await upload(server.url, randomBytes(3000), { token: server.adminToken })).body;
    await waitForAnchored(server.url, evidence.id, server.adminToken);
  });
  after(async () => server.stop({ remove: true }));

  const chainFlags = () => ['--rpc', rpcUrl, '--contract', contract];

  it('keygen writes a private key (0600) and prints its address; cosign refuses a key without NOTARY_ROLE', async () => {
    const res = await runCli(['notary', 'keygen', '--out', keyFile]);
    expect(res.code, res.stderr).to.equal(0);
    notaryAddress = res.stdout.trim();
    expect(notaryAddress).to.match(/^0x[0-9a-f]{40}$/);
    expect(new Wallet(readFileSync(keyFile, 'utf8').trim()).address.toLowerCase()).to.equal(notaryAddress);
    expect((await runCli(['notary', 'keygen', '--out', keyFile])).code, 'never overwrites a key').to.equal(2);
    const refused = await runCli(['notary', 'cosign', '--key', keyFile, ...chainFlags()]);
    expect(refused.code).to.equal(3);
    expect(refused.stderr).to.contain('NOTARY_NOT_AUTHORIZED');
  });

  it('the operator grants NOTARY_ROLE; the notary cosigns the latest anchored head (once per head)', async () => {
    const granted = await runCli(['notary', 'grant', notaryAddress, ...chainFlags(), '--admin-key', join(server.dataDir, 'chain', 'anchorer.key')]);
    expect(granted.code, granted.stderr).to.equal(0);
    expect(JSON.parse(granted.stdout)).to.include({ notary: notaryAddress, granted: true });
    const cosigned = await runCli(['notary', 'cosign', '--key', keyFile, '--server', server.url]);
    expect(cosigned.code, cosigned.stderr).to.equal(0);
    const head = JSON.parse(cosigned.stdout);
    const latest = await server.custos.components.chain.latestHead();
    expect(head).to.include({ treeSize: latest.treeSize, rootHash: latest.rootHash, notary: notaryAddress });
    expect(head.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await server.custos.components.chain.cosignedAt(latest.treeSize, notaryAddress)).to.be.greaterThan(0);
    const again = JSON.parse((await runCli(['notary', 'cosign', '--key', keyFile, ...chainFlags()])).stdout);
    expect(again).to.include({ alreadyCosigned: true, treeSize: latest.treeSize });
  });

  it('the contract accepts a cosignature only for the anchored root at that size', async () => {
    const chain = createEthersChainAnchor({ rpcUrl, contract, signerKey: readFileSync(keyFile, 'utf8').trim(), timeoutMs: 10_000 });
    try {
      const latest = await chain.latestHead();
      const wrong = latest.rootHash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      let error: any;
      await chain.cosignHead(latest.treeSize, wrong).catch((e) => (error = e));
      expect(error?.code).to.equal('ANCHOR_REJECTED');
      expect(error.message).to.contain('CustosLogRootMismatch');
      error = undefined;
      await chain.cosignHead(latest.treeSize + 1000, latest.rootHash).catch((e) => (error = e));
      expect(error?.message).to.contain('CustosLogHeadNotAnchored');
    } finally {
      await chain.close();
    }
  });

  it('certifies evidence: notary.certified is logged, the bundle carries it, and custos verify checks witness and certificate', async () => {
    const res = await runCli(['notary', 'certify', evidence.id, '--key', keyFile, '--server', server.url, '--token', notaryToken, '--name', '北京市长安公证处', '--certificate', '(2026)京长安证保字第00042号']);
    expect(res.code, res.stderr).to.equal(0);
    const filed = JSON.parse(res.stdout);
    expect(filed).to.include({ certificateNumber: '(2026)京长安证保字第00042号' });
    const [entry] = (await getJson(`${server.url}/v1/log/entries?start=${filed.leafIndex}&end=${filed.leafIndex + 1}`)).body.entries;
    expect(entry.event).to.include({ type: 'notary.certified', evidenceId: evidence.id });
    const custody = (await getJson(`${server.url}/v1/evidence/${evidence.id}/custody`, server.adminToken)).body.events.map((e: any) => e.event.type);
    expect(custody).to.include('notary.certified');

    const bundle = (await getJson(`${server.url}/v1/evidence/${evidence.id}/proof`, server.adminToken)).body;
    expect(bundle.notarizations).to.have.length(1);
    const bundleFile = join(work, 'bundle.json');
    writeFileSync(bundleFile, JSON.stringify(bundle));
    const verified = await runCli(['verify', '--bundle', bundleFile, '--rpc', rpcUrl, '--contract', contract, '--json']);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    const checks = JSON.parse(verified.stdout).checks;
    const witness = checks.find((c: any) => c.check === 'notary-witness');
    const certificate = checks.find((c: any) => c.check === 'notary-certificate');
    expect(witness).to.include({ ok: true });
    expect(witness.message).to.contain('北京市长安公证处');
    expect(certificate).to.include({ ok: true });
    expect(certificate.message).to.contain('(2026)京长安证保字第00042号');

    // The same bundle with the certificate number edited: the signature no longer covers it.
    bundle.notarizations[0].statement.certificateNumber = '(2026)京长安证保字第99999号';
    writeFileSync(bundleFile, JSON.stringify(bundle));
    const forged = await runCli(['verify', '--bundle', bundleFile, '--rpc', rpcUrl, '--contract', contract, '--json']);
    expect(forged.code).to.equal(1);
    const forgedCheck = JSON.parse(forged.stdout).checks.find((c: any) => c.check === 'notary-certificate');
    expect(forgedCheck).to.include({ ok: false, code: 'NOTARY_SIGNATURE_INVALID' });
  });

  describe('POST /v1/evidence/:id/notarizations refuses', () => {
    let statement: any;
    before(async () => {
      const bundle = (await getJson(`${server.url}/v1/evidence/${evidence.id}/proof`, server.adminToken)).body;
      // The head the notary cosigned (later heads were anchored since, and are not cosigned).
      const cosigned = bundle.notarizations[0].statement.head;
      statement = {
        version: NOTARIZATION_VERSION,
        certificateNumber: 'N-2',
        notary: { address: notaryAddress, name: '北京市长安公证处' },
        evidence: { evidenceId: evidence.id, sha256: evidence.sha256, leafIndex: bundle.leafIndex, leafHash: bundle.leafHash },
        head: cosigned,
        issuedAt: new Date().toISOString(),
      };
    });
    const file = (body: unknown, token = notaryToken) => postJson(`${server.url}/v1/evidence/${evidence.id}/notarizations`, body, token);
    const key = () => readFileSync(keyFile, 'utf8').trim();

    it('non-notary accounts (403 FORBIDDEN)', async () => {
      expect((await file({ statement, signature: '0x' }, server.adminToken)).status).to.equal(403);
    });

    it('a signature by another key (400 NOTARY_SIGNATURE_INVALID)', async () => {
      const res = await file({ statement, signature: await signStatement(Wallet.createRandom().privateKey, statement) });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('NOTARY_SIGNATURE_INVALID');
    });

    it('a head the notary has not cosigned (409 HEAD_NOT_COSIGNED)', async () => {
      // Anchor a new head that the notary has not witnessed.
      await upload(server.url, randomBytes(100), { token: server.adminToken }).then((r) => waitForAnchored(server.url, r.body.id, server.adminToken));
      const latest = await server.custos.components.chain.latestHead();
      const fresh = { ...statement, head: { treeSize: latest.treeSize, rootHash: latest.rootHash } };
      const res = await file({ statement: fresh, signature: await signStatement(key(), fresh) });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('HEAD_NOT_COSIGNED');
    });

    it('a statement about other bytes (400) and a certificate number filed twice (409 CERTIFICATE_EXISTS)', async () => {
      const other = { ...statement, evidence: { ...statement.evidence, sha256: 'ab'.repeat(32) } };
      expect((await file({ statement: other, signature: await signStatement(key(), other) })).status).to.equal(400);
      const first = await file({ statement, signature: await signStatement(key(), statement) });
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      const twice = await file({ statement, signature: await signStatement(key(), statement) });
      expect(twice.status).to.equal(409);
      expect(twice.body.error.code).to.equal('CERTIFICATE_EXISTS');
    });
  });
});
