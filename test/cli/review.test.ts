import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { generateDeviceKey } from '../../server/core/device-signature';
import { runCli, spawnServe } from '../helpers/cli';
import { getJson, makeDataDir, postJson, upload } from '../helpers/server';

describe('custos token create --public-key and custos review decide (signed review decisions)', function () {
  this.timeout(120_000);
  let child: ChildProcess;
  let url: string;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir();
    ({ child, url } = await spawnServe(dataDir, { CUSTOS_MEDIA: 'off' }));
  });
  after(() => child.kill('SIGTERM'));

  it('registers an officer’s key with the token, and files a decision signed with it', async () => {
    const key = generateDeviceKey();
    writeFileSync(join(dataDir, 'officer.key'), key.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dataDir, 'officer.pub'), `${key.publicKey}\n`);
    const created = await runCli(['token', 'create', '--role', 'officer', '--name', '张三', '--unit', '110105000', '--certificate', 'ZF-11010500421', '--public-key', join(dataDir, 'officer.pub'), '--data-dir', dataDir]);
    expect(created.code, created.stderr).to.equal(0);
    const token = created.stdout.trim().split('\n').at(-1)!.trim();
    writeFileSync(join(dataDir, 'officer.token'), token);

    const code = (await postJson(`${url}/v1/cases`, { actionType: '02', title: 'signed review' }, token)).body.code;
    const evidence = (await upload(url, randomBytes(1000), { token })).body.id;
    await postJson(`${url}/v1/cases/${code}/evidence`, { evidenceId: evidence, purpose: 'scene' }, token);
    await postJson(`${url}/v1/cases/${code}/status`, { status: 'under-review', reason: 'complete' }, token);

    // Signed with another key: refused, one readable line, exit 3.
    writeFileSync(join(dataDir, 'other.key'), generateDeviceKey().privateKeyPem);
    const wrong = await runCli(['review', 'decide', code, '--stage', 'handling-officer', '--decision', 'approve', '--key', join(dataDir, 'other.key'), '--server', url, '--token-file', join(dataDir, 'officer.token')]);
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr.trim().split('\n')).to.have.length(1);
    expect(wrong.stderr).to.contain('REVIEW_SIGNATURE_INVALID');

    const res = await runCli(['review', 'decide', code, '--stage', 'handling-officer', '--decision', 'approve', '--key', join(dataDir, 'officer.key'), '--server', url, '--token-file', join(dataDir, 'officer.token')]);
    expect(res.code, res.stderr).to.equal(0);
    const filed = JSON.parse(res.stdout);
    expect(filed).to.include({ caseCode: code, stage: 'handling-officer', decision: 'approve' });
    const [entry] = (await getJson(`${url}/v1/log/entries?start=${filed.leafIndex}&end=${filed.leafIndex + 1}`)).body.entries;
    expect(entry.event.review.signature).to.include({ algorithm: 'ed25519', publicKey: key.publicKey });

  });

  it('refuses a public key that is not an Ed25519 key (exit ≠ 0, one line)', async () => {
    const res = await runCli(['token', 'create', '--role', 'reviewer', '--name', 'x', '--public-key', 'bm90IGEga2V5', '--data-dir', dataDir]);
    expect(res.code).to.not.equal(0);
    expect(res.stderr.trim().split('\n')).to.have.length(1);
  });
});
