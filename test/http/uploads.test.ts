import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { Relay } from '../helpers/tcp-relay';
import { getJson, sampleMetadata, sha256Hex, startTestServer, type TestServer } from '../helpers/server';
import { registerTestDevice, type TestDevice } from '../helpers/device';
import { signAsDevice } from '../../server/core/device-signature';

const KiB = 1024;
const MiB = 1024 * KiB;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const tusMetadata = (overrides: Record<string, string> = {}): Record<string, string> => ({ ...(sampleMetadata() as Record<string, string>), ...overrides });
const metadataHeader = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(',');

interface TusRun {
  upload: tus.Upload;
  /** Upload-Offset of every PATCH the client sent. */
  patchOffsets: number[];
  done: Promise<tus.HttpResponse>;
}

function runTus(file: Buffer, options: tus.UploadOptions & { token: string }): TusRun {
  const patchOffsets: number[] = [];
  const { token, ...rest } = options;
  let upload!: tus.Upload;
  const done = new Promise<tus.HttpResponse>((resolve, reject) => {
    upload = new tus.Upload(file, {
      retryDelays: null,
      ...rest,
      headers: { authorization: `Bearer ${token}`, ...rest.headers },
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') patchOffsets.push(Number(req.getHeader('Upload-Offset')));
        return rest.onBeforeRequest?.(req);
      },
      onSuccess: ({ lastResponse }) => resolve(lastResponse),
      onError: reject,
    });
  });
  upload.start();
  return { upload, patchOffsets, done };
}

/** Polls until `ready()`; fails after `timeoutMs`. */
async function waitFor(ready: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function tusRequest(url: string, method: string, token: string | undefined, headers: Record<string, string> = {}, body?: Uint8Array) {
  const response = await fetch(url, {
    method,
    headers: { 'tus-resumable': '1.0.0', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('HTTP /v1/uploads (tus 1.0.0, real service)', function () {
  let server: TestServer;
  let uploadsDir: string;
  let officer: string;
  let otherOfficer: string;
  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false } } });
    uploadsDir = join(server.dataDir, 'uploads');
    const tokens = server.custos.components.tokens;
    officer = tokens.create('officer-a', 'officer').secret;
    otherOfficer = tokens.create('officer-b', 'officer').secret;
  });
  after(async () => {
    await server.stop({ remove: true });
  });

  const endpoint = () => `${server.url}/v1/uploads`;
  const evidenceCount = () => server.custos.components.evidence.count();
  const uploadFiles = (id: string) => readdirSync(uploadsDir).filter((name) => name.startsWith(id));

  /** Creates an upload with raw HTTP; returns its URL. */
  async function create(length: number, fields: Record<string, string> = tusMetadata(), token = server.adminToken): Promise<string> {
    const res = await tusRequest(endpoint(), 'POST', token, { 'upload-length': String(length), 'upload-metadata': metadataHeader(fields) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return `${server.url}${res.headers.get('location')}`;
  }

  const patch = (url: string, offset: number, bytes: Uint8Array, headers: Record<string, string> = {}, token = server.adminToken) =>
    tusRequest(url, 'PATCH', token, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers }, bytes);

  const head = (url: string, token = server.adminToken) => tusRequest(url, 'HEAD', token);

  const checksum = (algorithm: 'sha256' | 'sha1', bytes: Uint8Array) => `${algorithm} ${createHash(algorithm).update(bytes).digest('base64')}`;

  describe('OPTIONS', () => {
    it('advertises version, extensions, max size and checksum algorithms, without a token', async () => {
      const res = await fetch(endpoint(), { method: 'OPTIONS' });
      expect(res.status).to.equal(204);
      expect(res.headers.get('tus-resumable')).to.equal('1.0.0');
      expect(res.headers.get('tus-version')).to.equal('1.0.0');
      expect(res.headers.get('tus-extension')!.split(',')).to.include.members(['creation', 'checksum', 'termination', 'expiration']);
      expect(res.headers.get('tus-checksum-algorithm')!.split(',')).to.include('sha256');
      expect(res.headers.get('tus-max-size')).to.equal(String(server.custos.config.maxUploadBytes));
    });
  });

  describe('tus-js-client, whole upload in three chunks', () => {
    const bytes = randomBytes(1 * MiB + 123);
    const fields = tusMetadata({ location: '{"lat":31.2304,"lon":121.4737}', note: '夜间巡逻', filename: 'clip-0001.mov', filetype: 'video/quicktime', sha256: sha256Hex(bytes) });
    let evidenceId: string;
    let uploadUrl: string;

    it('becomes evidence with the stated metadata, reported in Custos-Evidence-Id on the last PATCH', async () => {
      const before = evidenceCount();
      const run = runTus(bytes, { endpoint: endpoint(), token: server.adminToken, metadata: fields, chunkSize: 400 * KiB });
      const last = await run.done;
      uploadUrl = run.upload.url!;
      expect(run.patchOffsets).to.deep.equal([0, 400 * KiB, 800 * KiB]);
      evidenceId = last.getHeader('Custos-Evidence-Id')!;
      expect(evidenceId).to.match(/^ev_/);
      expect(last.getHeader('Custos-Evidence')).to.equal(`/v1/evidence/${evidenceId}`);
      expect(last.getHeader('Upload-Offset')).to.equal(String(bytes.length));
      expect(evidenceCount()).to.equal(before + 1);

      const record = await getJson(`${server.url}/v1/evidence/${evidenceId}`, server.adminToken);
      expect(record.body).to.include({ sha256: sha256Hex(bytes), size: bytes.length, mediaType: 'video/quicktime' });
      expect(record.body.metadata).to.deep.equal({ ...sampleMetadata(), location: { lat: 31.2304, lon: 121.4737 }, note: '夜间巡逻', fileName: 'clip-0001.mov' });
      expect(record.body.uploader.role).to.equal('admin');
    });

    it('HEAD after completion still points to the evidence; the bytes are gone from the upload area', async () => {
      const res = await head(uploadUrl);
      expect(res.status).to.equal(200);
      expect(res.headers.get('upload-offset')).to.equal(String(bytes.length));
      expect(res.headers.get('custos-evidence-id')).to.equal(evidenceId);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.headers.get('upload-expires')).to.match(/GMT$/);
      const id = uploadUrl.split('/').pop()!;
      expect(uploadFiles(id)).to.deep.equal([`${id}.json`]);
    });

    it('identical bytes uploaded again are success, pointing to the existing evidence', async () => {
      const before = evidenceCount();
      const last = await runTus(bytes, { endpoint: endpoint(), token: server.adminToken, metadata: tusMetadata() }).done;
      expect(last.getHeader('Custos-Evidence-Id')).to.equal(evidenceId);
      expect(evidenceCount()).to.equal(before);
    });
  });

  describe('a connection cut in the middle of a PATCH', () => {
    const bytes = randomBytes(4 * MiB);
    let relay: Relay;
    afterEach(async () => relay?.stop());

    it('keeps what fully arrived; a new client with the upload URL sends only the rest', async () => {
      relay = new Relay(Number(new URL(server.url).port), 1.5 * MiB);
      const relayUrl = await relay.start();
      const first = runTus(bytes, { endpoint: `${relayUrl}/v1/uploads`, token: server.adminToken, metadata: tusMetadata() });
      const failure = await first.done.then(
        () => null,
        (error: Error) => error,
      );
      expect(failure, 'the cut must fail the first client').to.be.instanceOf(Error);
      expect(relay.cuts).to.equal(1);
      const path = new URL(first.upload.url!).pathname;
      await relay.stop();

      // The service notices the cut asynchronously: wait until it has stored the partial chunk.
      let offset = 0;
      for (let i = 0; i < 100 && offset === 0; i++) {
        offset = Number((await head(`${server.url}${path}`)).headers.get('upload-offset'));
        if (offset === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(offset).to.be.greaterThan(0);
      expect(offset).to.be.lessThan(bytes.length);
      const id = path.split('/').pop()!;
      expect(statSync(join(uploadsDir, `${id}.part`)).size).to.equal(offset);

      relay = new Relay(Number(new URL(server.url).port));
      const counterUrl = await relay.start();
      const before = evidenceCount();
      const second = runTus(bytes, { uploadUrl: `${counterUrl}${path}`, endpoint: `${counterUrl}/v1/uploads`, token: server.adminToken, metadata: tusMetadata(), retryDelays: [100, 300] });
      const last = await second.done;
      expect(second.patchOffsets).to.deep.equal([offset]);
      const rest = bytes.length - offset;
      expect(relay.sent, 'bytes the resumed client sent').to.be.within(rest, rest + 8 * KiB);
      expect(evidenceCount()).to.equal(before + 1);
      const record = await getJson(`${server.url}/v1/evidence/${last.getHeader('Custos-Evidence-Id')}`, server.adminToken);
      expect(record.body.sha256).to.equal(sha256Hex(bytes));
    });

    it('with retries, tus-js-client resumes by itself and the evidence is created once', async () => {
      const other = randomBytes(3 * MiB);
      relay = new Relay(Number(new URL(server.url).port), 1 * MiB);
      const relayUrl = await relay.start();
      const before = evidenceCount();
      const run = runTus(other, { endpoint: `${relayUrl}/v1/uploads`, token: server.adminToken, metadata: tusMetadata(), retryDelays: [200, 400, 800, 1600] });
      const last = await run.done;
      expect(relay.cuts).to.equal(1);
      expect(run.patchOffsets.length).to.be.greaterThan(1);
      expect(run.patchOffsets[0]).to.equal(0);
      expect(run.patchOffsets.at(-1)).to.be.greaterThan(0);
      expect(evidenceCount()).to.equal(before + 1);
      const record = await getJson(`${server.url}/v1/evidence?sha256=${sha256Hex(other)}`, server.adminToken);
      expect(record.body.id).to.equal(last.getHeader('Custos-Evidence-Id'));
    });
  });

  describe('a client restarted between chunks', () => {
    it('resumes from the stored offset with a new tus.Upload given the previous uploadUrl', async () => {
      const bytes = randomBytes(1 * MiB);
      let first!: TusRun;
      const stopped = new Promise<void>((resolve) => {
        first = runTus(bytes, {
          endpoint: endpoint(),
          token: server.adminToken,
          metadata: tusMetadata(),
          chunkSize: 256 * KiB,
          onChunkComplete: () => {
            void first.upload.abort().then(resolve);
          },
        });
      });
      await stopped;
      const url = first.upload.url!;
      expect(Number((await head(url)).headers.get('upload-offset'))).to.equal(256 * KiB);

      const second = runTus(bytes, { uploadUrl: url, endpoint: endpoint(), token: server.adminToken, metadata: tusMetadata(), chunkSize: 256 * KiB });
      const last = await second.done;
      expect(second.patchOffsets).to.deep.equal([256 * KiB, 512 * KiB, 768 * KiB]);
      const record = await getJson(`${server.url}/v1/evidence/${last.getHeader('Custos-Evidence-Id')}`, server.adminToken);
      expect(record.body.sha256).to.equal(sha256Hex(bytes));
    });
  });

  describe('Upload-Checksum (per PATCH)', () => {
    it('answers 460 CHECKSUM_MISMATCH for a wrong sha256 and keeps none of the chunk', async () => {
      const bytes = randomBytes(100 * KiB);
      const url = await create(bytes.length);
      const res = await patch(url, 0, bytes.subarray(0, 50 * KiB), { 'upload-checksum': checksum('sha256', randomBytes(10)) });
      expect(res.status).to.equal(460);
      expect(res.body.error.code).to.equal('CHECKSUM_MISMATCH');
      expect(res.headers.get('tus-resumable')).to.equal('1.0.0');
      expect((await head(url)).headers.get('upload-offset')).to.equal('0');

      const good = await patch(url, 0, bytes.subarray(0, 50 * KiB), { 'upload-checksum': checksum('sha256', bytes.subarray(0, 50 * KiB)) });
      expect(good.status).to.equal(204);
      expect(good.headers.get('upload-offset')).to.equal(String(50 * KiB));
      const sha1 = await patch(url, 50 * KiB, bytes.subarray(50 * KiB), { 'upload-checksum': checksum('sha1', bytes.subarray(50 * KiB)) });
      expect(sha1.status).to.equal(204);
      expect(sha1.headers.get('custos-evidence-id')).to.match(/^ev_/);
    });

    it('answers 400 for an algorithm it does not offer', async () => {
      const url = await create(10);
      const res = await patch(url, 0, Buffer.alloc(10), { 'upload-checksum': `md5 ${createHash('md5').update(Buffer.alloc(10)).digest('base64')}` });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('CHECKSUM_ALGORITHM_UNSUPPORTED');
    });

    it('keeps nothing of a checksummed chunk cut midway, but keeps the received part of one without a checksum', async () => {
      const bytes = randomBytes(256 * KiB);
      const withChecksum = await create(bytes.length);
      const without = await create(bytes.length);
      await cutMidway(withChecksum, bytes, { 'upload-checksum': checksum('sha256', bytes) });
      await cutMidway(without, bytes, {});
      expect((await head(withChecksum)).headers.get('upload-offset')).to.equal('0');
      expect(Number((await head(without)).headers.get('upload-offset'))).to.be.within(1, bytes.length - 1);
    });

    /** Sends half of a PATCH body and drops the connection; returns once the service released the upload. */
    async function cutMidway(url: string, bytes: Buffer, headers: Record<string, string>): Promise<void> {
      const req = httpRequest(url, {
        method: 'PATCH',
        headers: {
          'tus-resumable': '1.0.0',
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
          'content-length': String(bytes.length),
          ...headers,
        },
      });
      req.on('error', () => undefined);
      req.write(bytes.subarray(0, bytes.length / 2));
      const part = join(uploadsDir, `${url.split('/').pop()}.part`);
      await waitFor(() => statSync(part).size === bytes.length / 2, 'the first half to be written');
      req.destroy();
      // An empty PATCH is answered 423 while the cut one still holds the upload.
      for (let i = 0; i < 100; i++) {
        const offset = Number((await head(url)).headers.get('upload-offset'));
        const probe = await patch(url, offset, new Uint8Array(0));
        if (probe.status !== 423) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the cut PATCH never released the upload');
    }
  });

  describe('concurrent PATCHes on one upload', () => {
    it('answers the second 423 UPLOAD_LOCKED while the first is running', async () => {
      const url = await create(64 * KiB);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slowBody = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new Uint8Array(1024));
          await gate;
          controller.close();
        },
      });
      const first = fetch(url, {
        method: 'PATCH',
        headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
        body: slowBody,
        duplex: 'half',
      } as RequestInit);
      const part = join(uploadsDir, `${url.split('/').pop()}.part`);
      await waitFor(() => statSync(part).size === 1024, 'the first PATCH to hold the upload');
      const second = await patch(url, 0, new Uint8Array(10));
      expect(second.status).to.equal(423);
      expect(second.body.error.code).to.equal('UPLOAD_LOCKED');
      release();
      const firstRes = await first;
      expect(firstRes.status).to.equal(204);
      expect(firstRes.headers.get('upload-offset')).to.equal('1024');
    });
  });

  describe('protocol errors', () => {
    it('answers 409 UPLOAD_OFFSET_MISMATCH for a PATCH at the wrong offset, storing nothing', async () => {
      const url = await create(1000);
      expect((await patch(url, 0, Buffer.alloc(100))).status).to.equal(204);
      const res = await patch(url, 50, Buffer.alloc(100));
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('UPLOAD_OFFSET_MISMATCH');
      expect(res.body.error.details.offset).to.equal(100);
      expect((await head(url)).headers.get('upload-offset')).to.equal('100');
    });

    it('answers 412 with Tus-Version to a request without Tus-Resumable: 1.0.0', async () => {
      const res = await fetch(endpoint(), { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'upload-length': '10' } });
      expect(res.status).to.equal(412);
      expect(res.headers.get('tus-version')).to.equal('1.0.0');
      expect(((await res.json()) as any).error.code).to.equal('TUS_VERSION_UNSUPPORTED');
    });

    it('answers 415 to a PATCH that is not application/offset+octet-stream', async () => {
      const url = await create(10);
      const res = await patch(url, 0, Buffer.alloc(10), { 'content-type': 'application/octet-stream' });
      expect(res.status).to.equal(415);
    });

    it('refuses a body longer than the rest of the upload (413), keeping nothing of it', async () => {
      const url = await create(10);
      const res = await patch(url, 0, Buffer.alloc(11));
      expect(res.status).to.equal(413);
      expect((await head(url)).headers.get('upload-offset')).to.equal('0');
    });

    it('needs a token', async () => {
      expect((await tusRequest(endpoint(), 'POST', undefined, { 'upload-length': '10' })).status).to.equal(401);
    });
  });

  describe('creation', () => {
    const badMetadata: Array<[string, string]> = [
      ['missing officerId', metadataHeader({ deviceId: 'BWC-1', recordedAt: '2026-11-20T09:30:00Z' })],
      ['an unknown key', metadataHeader(tusMetadata({ colour: 'red' }))],
      ['recordedAt that is not ISO-8601', metadataHeader(tusMetadata({ recordedAt: 'yesterday' }))],
      ['location that is not JSON', metadataHeader(tusMetadata({ location: 'here' }))],
      ['a value that is not base64', 'deviceId BWC-1'],
      ['no Upload-Metadata at all', ''],
    ];
    for (const [desc, value] of badMetadata) {
      it(`refuses ${desc} with 400 INVALID_METADATA before any byte, creating nothing`, async () => {
        const files = readdirSync(uploadsDir).length;
        const res = await tusRequest(endpoint(), 'POST', server.adminToken, { 'upload-length': '1000', ...(value ? { 'upload-metadata': value } : {}) });
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('INVALID_METADATA');
        expect(res.body.error.requestId).to.be.a('string');
        expect(res.headers.get('location')).to.equal(null);
        expect(readdirSync(uploadsDir).length).to.equal(files);
      });
    }

    it('answers 413 for an Upload-Length over the limit, and 400 without one', async () => {
      const over = await tusRequest(endpoint(), 'POST', server.adminToken, { 'upload-length': String(server.custos.config.maxUploadBytes + 1), 'upload-metadata': metadataHeader(tusMetadata()) });
      expect(over.status).to.equal(413);
      expect(over.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
      const missing = await tusRequest(endpoint(), 'POST', server.adminToken, { 'upload-metadata': metadataHeader(tusMetadata()) });
      expect(missing.status).to.equal(400);
      const deferred = await tusRequest(endpoint(), 'POST', server.adminToken, { 'upload-defer-length': '1', 'upload-metadata': metadataHeader(tusMetadata()) });
      expect(deferred.status).to.equal(400);
    });

    it('answers 201 with Location and Upload-Expires; HEAD gives offset 0, the length and the metadata back', async () => {
      const fields = tusMetadata({ note: 'x' });
      const url = await create(4321, fields);
      const res = await head(url);
      expect(res.status).to.equal(200);
      expect(res.headers.get('upload-offset')).to.equal('0');
      expect(res.headers.get('upload-length')).to.equal('4321');
      expect(res.headers.get('upload-metadata')).to.equal(metadataHeader(fields));
      expect(Date.parse(res.headers.get('upload-expires')!)).to.be.greaterThan(Date.now() + server.custos.config.uploadExpiryMs - 60_000);
    });
  });

  describe('sha256 in the metadata', () => {
    it('a file whose bytes do not match it: final PATCH 422 DIGEST_MISMATCH, no evidence, the upload gone', async () => {
      const bytes = randomBytes(300 * KiB);
      const before = evidenceCount();
      const url = await create(bytes.length, tusMetadata({ sha256: sha256Hex(randomBytes(8)) }));
      const id = url.split('/').pop()!;
      expect((await patch(url, 0, bytes.subarray(0, 100 * KiB))).status).to.equal(204);
      const res = await patch(url, 100 * KiB, bytes.subarray(100 * KiB));
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('DIGEST_MISMATCH');
      expect(evidenceCount()).to.equal(before);
      expect((await getJson(`${server.url}/v1/evidence?sha256=${sha256Hex(bytes)}`, server.adminToken)).status).to.equal(404);
      expect((await head(url)).status).to.equal(404);
      expect(uploadFiles(id)).to.deep.equal([]);
    });
  });

  describe('device signatures (uploader tokens)', () => {
    let uploader: string;
    let device: TestDevice;
    before(async () => {
      uploader = server.custos.components.tokens.create('dock-station-9', 'uploader').secret;
      device = await registerTestDevice(server.url, server.adminToken, 'BWC-TUS-1');
    });

    it('refuses an unsigned upload from a dock station at creation, before any byte is sent (403)', async () => {
      const res = await tusRequest(endpoint(), 'POST', uploader, { 'upload-length': '1000', 'upload-metadata': metadataHeader(tusMetadata({ deviceId: 'BWC-TUS-1' })) });
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('DEVICE_SIGNATURE_REQUIRED');
    });

    it('accepts a signed one through tus-js-client: the evidence is signed by the device', async () => {
      const file = randomBytes(300 * KiB);
      const metadata = sampleMetadata({ deviceId: 'BWC-TUS-1' }) as Record<string, string>;
      const signature = signAsDevice(device.privateKeyPem, sha256Hex(file), metadata);
      const run = runTus(file, { endpoint: endpoint(), token: uploader, chunkSize: 128 * KiB, metadata: { ...metadata, sha256: sha256Hex(file), deviceSignature: signature } });
      const response = await run.done;
      const id = response.getHeader('Custos-Evidence-Id');
      const { body } = await getJson(`${server.url}/v1/evidence/${id}`, server.adminToken);
      expect(body).to.include({ signed: true, sha256: sha256Hex(file) });
      expect(body.device.deviceId).to.equal('BWC-TUS-1');
    });
  });

  describe('termination', () => {
    it('DELETE answers 204, then the upload is 404 and its files are gone', async () => {
      const url = await create(1000);
      const id = url.split('/').pop()!;
      expect((await patch(url, 0, Buffer.alloc(300))).status).to.equal(204);
      const res = await tusRequest(url, 'DELETE', server.adminToken);
      expect(res.status).to.equal(204);
      expect(res.headers.get('tus-resumable')).to.equal('1.0.0');
      const after = await head(url);
      expect(after.status).to.equal(404);
      expect((await patch(url, 300, Buffer.alloc(10))).status).to.equal(404);
      expect(uploadFiles(id)).to.deep.equal([]);
    });
  });

  describe('ownership', () => {
    it('another token gets 404 on HEAD, PATCH and DELETE; the creator and an admin see it', async () => {
      const url = await create(100, tusMetadata(), officer);
      expect((await head(url, otherOfficer)).status).to.equal(404);
      const foreignPatch = await patch(url, 0, Buffer.alloc(10), {}, otherOfficer);
      expect(foreignPatch.status).to.equal(404);
      expect(foreignPatch.body.error.code).to.equal('UPLOAD_NOT_FOUND');
      expect((await tusRequest(url, 'DELETE', otherOfficer)).status).to.equal(404);
      expect((await head(url, officer)).status).to.equal(200);
      expect((await head(url, server.adminToken)).status).to.equal(200);
      expect((await head(url, officer)).headers.get('upload-offset')).to.equal('0');
    });
  });

  describe('expiration (before the sweep)', () => {
    it('an upload past Upload-Expires answers 410 UPLOAD_EXPIRED', async () => {
      const url = await create(100);
      const id = url.split('/').pop()!;
      const file = join(uploadsDir, `${id}.json`);
      const state = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...state, expiresAt: new Date(Date.now() - 1000).toISOString() }));
      const res = await patch(url, 0, Buffer.alloc(10));
      expect(res.status).to.equal(410);
      expect(res.body.error.code).to.equal('UPLOAD_EXPIRED');
      expect((await head(url)).status).to.equal(410);
    });
  });
});

describe('HTTP /v1/uploads expiry sweep', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false }, uploadExpiryMs: 400 } });
  });
  after(async () => {
    await server.stop({ remove: true });
  });

  it('deletes an unfinished upload once expired: its files go and it answers 404', async () => {
    const res = await tusRequest(`${server.url}/v1/uploads`, 'POST', server.adminToken, { 'upload-length': '1000', 'upload-metadata': metadataHeader(tusMetadata()) });
    expect(res.status).to.equal(201);
    const url = `${server.url}${res.headers.get('location')}`;
    const id = url.split('/').pop()!;
    const part = join(server.dataDir, 'uploads', `${id}.part`);
    expect(existsSync(part)).to.equal(true);
    await waitFor(() => !existsSync(part), 'the sweep');
    expect(readdirSync(join(server.dataDir, 'uploads')).filter((name) => name.startsWith(id))).to.deep.equal([]);
    expect((await tusRequest(url, 'HEAD', server.adminToken)).status).to.equal(404);
  });
});
