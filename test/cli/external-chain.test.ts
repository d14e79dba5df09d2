import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startAnvil, type AnvilHandle } from '../../server/adapters/chain/anvil-process';
import { runCli, spawnServe } from '../helpers/cli';
import { getJson, upload, waitForAnchored } from '../helpers/server';

/** anvil's first development account: a published test key, funded on any fresh anvil chain. */
const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

describe('an external chain: custos deploy, then custos serve with CUSTOS_CHAIN_* (a separate anvil as the "consortium" node)', function () {
  let dir: string;
  let anvil: AnvilHandle;
  let serve: ChildProcess | undefined;
  let keyFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'custos-external-'));
    anvil = await startAnvil({ directory: join(dir, 'node'), port: 0 });
    keyFile = join(dir, 'operator.key');
    writeFileSync(keyFile, `${ANVIL_DEV_KEY}\n`, { mode: 0o600 });
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve!.once('exit', r));
    }
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy refuses a key file that holds no key, in one line', async () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not a key\n');
    const res = await runCli(['deploy', '--rpc', anvil.rpcUrl, '--key', bad]);
    expect(res.code).to.not.equal(0);
    expect(res.stderr.trim().split('\n')).to.have.length(1);
    expect(res.stderr).to.not.include('not a key'); // a key file's content is never echoed
  });

  it('deploys, serves on that chain, anchors there, and custos verify checks it against the deployed contract', async () => {
    const deployed = await runCli(['deploy', '--rpc', anvil.rpcUrl, '--key', keyFile]);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const { contract, chainId } = JSON.parse(deployed.stdout);
    expect(contract).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(chainId).to.equal(31337);

    const dataDir = join(dir, 'data');
    const started = await spawnServe(dataDir, {
      CUSTOS_CHAIN_RPC_URL: anvil.rpcUrl,
      CUSTOS_CHAIN_CONTRACT: contract,
      CUSTOS_ANCHORER_KEY_FILE: keyFile,
    });
    serve = started.child;
    const health = (await getJson(`${started.url}/healthz`)).body;
    expect(health.chain).to.include({ ok: true, chainId: 31337, contract, rpcUrl: anvil.rpcUrl });
    expect(existsSync(join(dataDir, 'chain'))).to.equal(false); // no embedded chain was started

    const token = require('node:fs').readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const bytes = randomBytes(300_000);
    const record = (await upload(started.url, bytes, { token })).body;
    await waitForAnchored(started.url, record.id, token);
    const bundle = (await getJson(`${started.url}/v1/evidence/${record.id}/proof`, token)).body;
    expect(bundle.anchor.contract).to.equal(contract.toLowerCase());

    const file = join(dir, 'recording.bin');
    const bundleFile = join(dir, 'proof.json');
    writeFileSync(file, bytes);
    writeFileSync(bundleFile, JSON.stringify(bundle));
    const verified = await runCli(['verify', file, '--bundle', bundleFile, '--rpc', anvil.rpcUrl, '--contract', contract]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    expect(verified.stdout).to.match(/^VERIFIED: all 9 checks passed/m);
  });
});
