import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { getJson, makeDataDir, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

describe('custos CLI', () => {
  describe('--help and usage errors', () => {
    for (const command of ['serve', 'verify', 'token', 'log', 'deploy', 'rederive']) {
      it(`custos ${command} --help prints usage and exits 0`, async () => {
        const res = await runCli([command, '--help']);
        expect(res.code).to.equal(0);
        expect(res.stdout).to.match(new RegExp(`^Usage: custos ${command}`));
      });
    }

    it('exits 2 with one readable line for an unknown option', async () => {
      const res = await runCli(['serve', '--colour', 'red']);
      expect(res.code).to.equal(2);
      expect(res.stderr.trim().split('\n')).to.have.length(1);
      expect(res.stderr).to.match(/^custos serve: .*--colour/);
    });

    it('exits 2 for an unknown command and for a missing bundle file', async () => {
      expect((await runCli(['frobnicate'])).code).to.equal(2);
      const res = await runCli(['verify', '--bundle', '/nonexistent/proof.json']);
      expect(res.code).to.equal(2);
      expect(res.stderr.trim()).to.equal('custos verify: cannot read /nonexistent/proof.json: ENOENT');
    });

    it('exits non-zero with one line for an invalid environment', async () => {
      const res = await runCli(['serve'], { CUSTOS_PORT: 'eighty' });
      expect(res.code).to.equal(3);
      expect(res.stderr.trim().split('\n')).to.have.length(1);
      expect(res.stderr).to.include('CONFIG_INVALID');
    });
  });

  describe('against a running service', () => {
    let server: TestServer;
    let rpcUrl: string;
    let dir: string;
    const bytes = randomBytes(2 * 1024 * 1024 + 3);
    let bundlePath: string;
    let filePath: string;

    before(async () => {
      server = await startTestServer();
      rpcUrl = (await server.custos.components.chain.info()).rpcUrl;
      dir = makeDataDir('custos-cli-');
      const record = (await upload(server.url, bytes, { token: server.adminToken })).body;
      await waitForAnchored(server.url, record.id, server.adminToken);
      const bundle = (await getJson(`${server.url}/v1/evidence/${record.id}/proof`, server.adminToken)).body;
      bundlePath = join(dir, 'proof.json');
      filePath = join(dir, 'recording.mp4');
      writeFileSync(bundlePath, JSON.stringify(bundle, null, 2));
      writeFileSync(filePath, bytes);
    });
    after(async () => server.stop({ remove: true }));

    it('custos verify <file> --bundle --rpc passes every check and exits 0, without the server', async () => {
      const res = await runCli(['verify', filePath, '--bundle', bundlePath, '--rpc', rpcUrl]);
      expect(res.code, res.stdout + res.stderr).to.equal(0);
      for (const check of ['bundle-format', 'content-hash', 'device-signature', 'leaf-hash', 'inclusion', 'chain', 'anchor', 'anchor-transaction', 'chain-inclusion']) {
        expect(res.stdout).to.match(new RegExp(`✓ ${check}\\b`));
      }
      expect(res.stdout).to.match(/^VERIFIED/m);
      // --rpc without --contract: the bundle named the contract, and the output says so.
      expect(res.stdout).to.match(/^note: the contract was named by the bundle itself/m);
    });

    it('custos verify --contract reads the trusted contract: a bundle naming another one fails the chain check', async () => {
      const { contract } = await server.custos.components.chain.info();
      const trusted = await runCli(['verify', filePath, '--bundle', bundlePath, '--rpc', rpcUrl, '--contract', contract]);
      expect(trusted.code, trusted.stdout + trusted.stderr).to.equal(0);
      expect(trusted.stdout).to.not.match(/^note:/m);

      const bundle = JSON.parse(require('node:fs').readFileSync(bundlePath, 'utf8'));
      bundle.anchor.contract = '0x' + '42'.repeat(20); // a look-alike deployment's address
      const lookAlike = join(dir, 'look-alike.json');
      writeFileSync(lookAlike, JSON.stringify(bundle));
      const res = await runCli(['verify', filePath, '--bundle', lookAlike, '--rpc', rpcUrl, '--contract', contract]);
      expect(res.code).to.equal(1);
      expect(res.stdout).to.match(/✗ chain .*CONTRACT_MISMATCH/);

      const bad = await runCli(['verify', '--bundle', bundlePath, '--rpc', rpcUrl, '--contract', 'not-an-address']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr.trim().split('\n')).to.have.length(1);
    });

    it('custos verify --bundle (no file) checks the bundle alone', async () => {
      const res = await runCli(['verify', '--bundle', bundlePath, '--rpc', rpcUrl, '--json']);
      expect(res.code).to.equal(0);
      const result = JSON.parse(res.stdout);
      expect(result.ok).to.equal(true);
      expect(result.checks.map((c: any) => c.check)).to.not.include('content-hash');
    });

    it('fails content-hash (exit 1) for a file with one flipped byte', async () => {
      const tampered = Buffer.from(bytes);
      tampered[1_000_000] ^= 0x80;
      const tamperedPath = join(dir, 'tampered.mp4');
      writeFileSync(tamperedPath, tampered);
      const res = await runCli(['verify', tamperedPath, '--bundle', bundlePath, '--rpc', rpcUrl]);
      expect(res.code).to.equal(1);
      expect(res.stdout).to.match(/✗ content-hash/);
      expect(res.stdout).to.match(/^NOT VERIFIED: 1 of 9 checks failed/m);
    });

    it('fails (exit 1) with the check named for a flipped character in the bundle', async () => {
      const bundle = JSON.parse(require('node:fs').readFileSync(bundlePath, 'utf8'));
      bundle.rootHash = (bundle.rootHash[0] === 'a' ? 'b' : 'a') + bundle.rootHash.slice(1);
      const tamperedPath = join(dir, 'tampered-proof.json');
      writeFileSync(tamperedPath, JSON.stringify(bundle));
      const res = await runCli(['verify', filePath, '--bundle', tamperedPath, '--rpc', rpcUrl]);
      expect(res.code).to.equal(1);
      expect(res.stdout).to.match(/✗ inclusion/);
      expect(res.stdout).to.match(/✗ anchor /);
    });

    it('reports every chain check as failed (exit 1) when the RPC is unreachable', async () => {
      const res = await runCli(['verify', filePath, '--bundle', bundlePath, '--rpc', 'http://127.0.0.1:9']);
      expect(res.code).to.equal(1);
      expect(res.stdout).to.match(/✗ anchor .*CHAIN_UNAVAILABLE/);
    });

    it('custos token create mints a working token while the service runs', async () => {
      const res = await runCli(['token', 'create', '--role', 'officer', '--name', 'officer 0421', '--data-dir', server.dataDir]);
      expect(res.code, res.stderr).to.equal(0);
      const token = res.stdout.trim();
      expect(token).to.match(/^cus_/);
      expect((await getJson(`${server.url}/v1/log/head`, token)).status).to.equal(200);
      const upload2 = await upload(server.url, randomBytes(100), { token });
      expect(upload2.status).to.equal(201);
      expect(upload2.body.uploader).to.deep.equal({ name: 'officer 0421', role: 'officer' });
    });

    it('custos token create refuses an unknown role (exit 2)', async () => {
      const res = await runCli(['token', 'create', '--role', 'emperor', '--name', 'x', '--data-dir', server.dataDir]);
      expect(res.code).to.equal(2);
    });

    it('custos log head prints the head and the anchored head', async () => {
      const res = await runCli(['log', 'head', '--server', server.url]);
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.match(/^tree size  \d+/m);
      expect(res.stdout).to.match(/^anchored   size \d+/m);
    });
  });
});
