import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { statSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/adapters/db/database';
import { TokenStore } from '../../server/adapters/db/token-store';
import { signAsDevice } from '../../server/core/device-signature';
import { uploadRecording, UploadRefusedError } from '../../recorder/upload';
import { registerTestDevice, signedUpload, type TestDevice } from '../helpers/device';
import { runCli } from '../helpers/cli';
import { getJson, postJson, reprDigestOf, sampleMetadata, sha256Hex, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

const RECORDER_CLI = join(__dirname, '..', '..', 'bin', 'custos-recorder.js');

describe('device identity and signatures', function () {
  this.timeout(120_000);
  let server: TestServer;
  let uploader: string;
  let officer: string;
  let device: TestDevice;

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    const db = openDatabase(join(server.dataDir, 'custos.db'));
    const tokens = new TokenStore(db);
    uploader = tokens.create('dock-station-7', 'uploader').secret;
    officer = tokens.create('officer 0421', 'officer').secret;
    db.close();
    device = await registerTestDevice(server.url, server.adminToken, 'BWC-0042');
  });
  after(async () => server.stop({ remove: true }));

  it('logs the registration (device.registered) and lists the device', async () => {
    const { body } = await getJson(`${server.url}/v1/devices/BWC-0042`, server.adminToken);
    expect(body).to.include({ deviceId: 'BWC-0042', publicKey: device.publicKey, status: 'active', algorithm: 'ed25519' });
    const entries = (await getJson(`${server.url}/v1/log/entries?start=${body.registrationLeaf}&end=${body.registrationLeaf + 1}`)).body.entries;
    expect(entries[0].event).to.include({ type: 'device.registered', deviceId: 'BWC-0042', publicKey: device.publicKey });
    expect((await getJson(`${server.url}/v1/devices`, uploader)).status).to.equal(403);
    const again = await postJson(`${server.url}/v1/devices`, { deviceId: 'BWC-0042', publicKey: device.publicKey }, server.adminToken);
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('DEVICE_EXISTS');
    const badKey = await postJson(`${server.url}/v1/devices`, { deviceId: 'BWC-X', publicKey: 'bm90IGEga2V5' }, server.adminToken);
    expect(badKey.body.error.code).to.equal('INVALID_DEVICE_KEY');
  });

  it('accepts a signed upload from a dock station, logs the signature, and verification says which device signed it', async () => {
    const bytes = randomBytes(4000);
    const res = await upload(server.url, bytes, signedUpload(device, bytes, uploader));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.signed).to.equal(true);
    expect(res.body.device.deviceId).to.equal('BWC-0042');
    await waitForAnchored(server.url, res.body.id, server.adminToken);
    const bundle = (await getJson(`${server.url}/v1/evidence/${res.body.id}/proof`, server.adminToken)).body;
    expect(bundle.event.deviceSignature).to.include({ algorithm: 'ed25519', publicKey: device.publicKey });
    const verified = (await postJson(`${server.url}/v1/verify`, { sha256: sha256Hex(bytes) })).body;
    expect(verified.ok, JSON.stringify(verified.checks)).to.equal(true);
    expect(verified.checks.find((c: any) => c.check === 'device-signature').message).to.match(/^signed at the source by device BWC-0042 \(ed25519 key [0-9a-f]{16}\)/);

    // The signature is inside the logged event: change the metadata in the bundle and it no longer verifies.
    bundle.event.metadata.officerId = 'someone-else';
    const forged = (await postJson(`${server.url}/v1/verify`, bundle)).body;
    expect(forged.checks.find((c: any) => c.check === 'device-signature')).to.include({ ok: false, code: 'DEVICE_SIGNATURE_INVALID' });
  });

  it('refuses an unsigned upload with an uploader token: 403 DEVICE_SIGNATURE_REQUIRED, nothing stored', async () => {
    const before = server.custos.components.evidence.count();
    const res = await upload(server.url, randomBytes(1000), { token: uploader });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('DEVICE_SIGNATURE_REQUIRED');
    expect(server.custos.components.evidence.count()).to.equal(before);
  });

  it('refuses a signature over other metadata, an unregistered device, and a signature without the digest', async () => {
    const bytes = randomBytes(1000);
    const options = signedUpload(device, bytes, uploader);
    const tampered = await upload(server.url, bytes, { ...options, metadata: { ...options.metadata, officerId: 'officer-9999' } });
    expect(tampered.status).to.equal(403);
    expect(tampered.body.error.code).to.equal('DEVICE_SIGNATURE_INVALID');

    const stranger = await upload(server.url, bytes, signedUpload({ ...device, deviceId: 'BWC-UNKNOWN' }, bytes, uploader));
    expect(stranger.status).to.equal(403);
    expect(stranger.body.error.code).to.equal('DEVICE_NOT_REGISTERED');

    const noDigest = await upload(server.url, bytes, { ...options, reprDigest: undefined });
    expect(noDigest.status).to.equal(400);
    expect(noDigest.body.error.code).to.equal('SIGNATURE_NEEDS_DIGEST');
  });

  it('the signed hash must be the received bytes’: other bytes with the same signature and digest are 422', async () => {
    const bytes = randomBytes(1000);
    const options = signedUpload(device, bytes, uploader);
    const res = await upload(server.url, randomBytes(1000), options);
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal('DIGEST_MISMATCH');
  });

  it('keeps accepting unsigned manual uploads from officers, marked unsigned', async () => {
    const bytes = randomBytes(2000);
    const res = await upload(server.url, bytes, { token: officer });
    expect(res.status).to.equal(201);
    expect(res.body.signed).to.equal(false);
    await waitForAnchored(server.url, res.body.id, server.adminToken);
    const verified = (await postJson(`${server.url}/v1/verify`, { sha256: sha256Hex(bytes) })).body;
    expect(verified.ok).to.equal(true);
    expect(verified.checks.find((c: any) => c.check === 'device-signature').message).to.match(/^not signed by a device: a manual upload by officer "officer 0421"/);
  });

  it('signs from the recorder library (uploadRecording with deviceKey)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-signed-'));
    try {
      const file = join(dir, 'clip.mp4');
      writeFileSync(file, randomBytes(50_000));
      const result = await uploadRecording({ server: server.url, token: uploader, file, metadata: sampleMetadata({ deviceId: 'BWC-0042' }), deviceKey: device.privateKeyPem });
      expect(result.record.signed).to.equal(true);
      const unsigned = uploadRecording({ server: server.url, token: uploader, file: join(dir, 'clip.mp4'), metadata: sampleMetadata({ deviceId: 'BWC-0042', note: 'x' }) });
      const error = await unsigned.then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(UploadRefusedError);
      expect((error as UploadRefusedError).code).to.equal('DEVICE_SIGNATURE_REQUIRED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after revocation, refuses the device’s signatures (403 DEVICE_REVOKED) and logs device.revoked; earlier evidence still verifies', async () => {
    const victim = await registerTestDevice(server.url, server.adminToken, 'BWC-LOST');
    const before = randomBytes(1000);
    const kept = (await upload(server.url, before, signedUpload(victim, before, uploader))).body;
    const revoked = await postJson(`${server.url}/v1/devices/BWC-LOST/revoke`, { reason: 'camera reported stolen' }, server.adminToken);
    expect(revoked.body).to.include({ status: 'revoked' });
    const entry = (await getJson(`${server.url}/v1/log/entries?start=${revoked.body.revocationLeaf}&end=${revoked.body.revocationLeaf + 1}`)).body.entries[0];
    expect(entry.event).to.include({ type: 'device.revoked', deviceId: 'BWC-LOST', reason: 'camera reported stolen' });
    const after = randomBytes(1000);
    const refused = await upload(server.url, after, signedUpload(victim, after, uploader));
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('DEVICE_REVOKED');
    await waitForAnchored(server.url, kept.id, server.adminToken);
    expect((await postJson(`${server.url}/v1/verify`, { sha256: kept.sha256 })).body.ok).to.equal(true);
  });

  it('custos-recorder keygen and custos device register/list/revoke work from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-keygen-'));
    try {
      const keygen = await runCli(['keygen', '--out', join(dir, 'key')], {}, 30_000, RECORDER_CLI);
      expect(keygen.code, keygen.stderr).to.equal(0);
      expect(statSync(join(dir, 'key', 'device.key')).mode & 0o777).to.equal(0o600);
      const again = await runCli(['keygen', '--out', join(dir, 'key')], {}, 30_000, RECORDER_CLI);
      expect(again.code).to.equal(3);
      expect(again.stderr).to.match(/exists; give --force/);

      const registered = await runCli(['device', 'register', '--id', 'BWC-CLI', '--public-key', join(dir, 'key', 'device.pub'), '--data-dir', server.dataDir]);
      expect(registered.code, registered.stderr).to.equal(0);
      expect(JSON.parse(registered.stdout)).to.include({ deviceId: 'BWC-CLI', publicKey: readFileSync(join(dir, 'key', 'device.pub'), 'utf8').trim() });
      // The running service accepts the new device's signatures at once.
      const bytes = randomBytes(1000);
      const metadata = sampleMetadata({ deviceId: 'BWC-CLI' });
      const signature = signAsDevice(readFileSync(join(dir, 'key', 'device.key'), 'utf8'), sha256Hex(bytes), metadata);
      const res = await upload(server.url, bytes, { token: uploader, metadata, reprDigest: reprDigestOf(bytes), headers: { 'custos-device-signature': signature } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);

      const list = await runCli(['device', 'list', '--data-dir', server.dataDir]);
      expect(list.stdout).to.match(/^BWC-CLI\t[0-9a-f]{16}\tactive$/m);
      const revoke = await runCli(['device', 'revoke', '--id', 'BWC-CLI', '--data-dir', server.dataDir]);
      expect(revoke.code).to.equal(0);
      const unknown = await runCli(['device', 'revoke', '--id', 'NOPE', '--data-dir', server.dataDir]);
      expect(unknown.code).to.equal(3);
      expect(unknown.stderr).to.match(/DEVICE_NOT_FOUND/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
