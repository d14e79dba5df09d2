import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reprDigestHeader, sha256OfFile } from '../../recorder/source-digest';
import { UploadRefusedError, uploadRecording } from '../../recorder/upload';
import { getJson, makeDataDir, sampleMetadata, startTestServer, type TestServer } from '../helpers/server';

describe('recorder: hash at the source and upload (real service)', function () {
  let server: TestServer;
  let file: string;
  let bytes: Buffer;
  before(async () => {
    // Media off: a probe of an earlier upload would append its own event while a test compares log sizes.
    server = await startTestServer({ config: { media: { enabled: false } } });
    bytes = randomBytes(2 * 1024 * 1024 + 5);
    file = join(makeDataDir('custos-recorder-'), 'clip.mp4');
    writeFileSync(file, bytes);
  });
  after(async () => {
    await server.stop({ remove: true });
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('hashes a file as the server will', async () => {
    expect(await sha256OfFile(file)).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(reprDigestHeader('00'.repeat(32))).to.equal(`sha-256=:${Buffer.alloc(32).toString('base64')}:`);
    expect(() => reprDigestHeader('xyz')).to.throw(TypeError, /not a lowercase hex SHA-256/);
  });

  it('uploads with its own digest; a second upload of the same bytes is reported as a duplicate', async () => {
    const first = await uploadRecording({ server: server.url, token: server.adminToken, file, metadata: sampleMetadata(), mediaType: 'video/mp4' });
    expect(first.duplicate).to.equal(false);
    expect(first.record.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(first.record.size).to.equal(bytes.length);

    const again = await uploadRecording({ server: server.url, token: server.adminToken, file, metadata: sampleMetadata() });
    expect(again.duplicate).to.equal(true);
    expect(again.record.id).to.equal(first.record.id);
  });

  it('a digest that does not match the bytes is refused with DIGEST_MISMATCH and nothing is logged', async () => {
    const { body: before } = await getJson(`${server.url}/v1/log/head`);
    const wrong = createHash('sha256').update('some other recording').digest('hex');
    const attempt = uploadRecording({ server: server.url, token: server.adminToken, file, metadata: sampleMetadata(), sha256: wrong });
    const error = await attempt.then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(UploadRefusedError);
    expect(error).to.include({ status: 422, code: 'DIGEST_MISMATCH' });
    const { body: after } = await getJson(`${server.url}/v1/log/head`);
    expect(after.treeSize).to.equal(before.treeSize);
  });

  it('a bad token is refused with UNAUTHENTICATED', async () => {
    const error = await uploadRecording({ server: server.url, token: 'not-a-token', file, metadata: sampleMetadata() }).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(UploadRefusedError);
    expect(error).to.include({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('Expect: 100-continue — a refused upload is answered before the body is sent; an accepted one gets 100 first', async () => {
    const ask = (token: string) =>
      new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
        let continued = false;
        const req = request(`${server.url}/v1/evidence`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'video/mp4',
            'content-length': 4,
            'custos-metadata': JSON.stringify(sampleMetadata()),
            expect: '100-continue',
          },
        });
        req.on('continue', () => {
          continued = true;
          req.end(randomBytes(4));
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => {
            req.destroy();
            resolve({ continued, status: res.statusCode ?? 0 });
          });
        });
        req.on('error', reject);
      });
    expect(await ask('not-a-token')).to.deep.equal({ continued: false, status: 401 });
    expect(await ask(server.adminToken)).to.deep.equal({ continued: true, status: 201 });
  });
});
