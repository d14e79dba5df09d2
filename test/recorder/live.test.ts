import { expect } from 'chai';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/adapters/db/database';
import { TokenStore } from '../../server/adapters/db/token-store';
import { resolveMediaBinaries } from '../../server/adapters/media';
import { recordLive, RecordingRefusedError, type LiveEvent } from '../../recorder/live';
import { registerTestDevice, type TestDevice } from '../helpers/device';
import { getJson, postJson, startTestServer, type TestServer } from '../helpers/server';

/** Fault injection: an HTTP proxy in front of the service whose link can be cut and restored. */
function linkProxy(target: string): Promise<{ url: string; down: boolean; close(): Promise<void> }> {
  const state = { down: false };
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        get down() {
          return state.down;
        },
        set down(value: boolean) {
          state.down = value;
        },
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      }),
    ),
  );
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('live segment-by-segment recording (real ffmpeg lavfi source, real service)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let work: string;
  let device: TestDevice;
  let uploader: string;
  let ffmpegPath: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'custos-live-'));
    server = await startTestServer({ config: { media: { enabled: false } } });
    const db = openDatabase(join(server.dataDir, 'custos.db'));
    uploader = new TokenStore(db).create('bodycam-0042', 'uploader').secret;
    db.close();
    device = await registerTestDevice(server.url, server.adminToken, 'BWC-LIVE-1');
    ffmpegPath = (await resolveMediaBinaries()).ffmpegPath;
  });

  after(async () => {
    await server?.stop({ remove: true });
    rmSync(work, { recursive: true, force: true });
  });

  const record = (serverUrl: string, dir: string, seconds: number, onEvent: (e: LiveEvent) => void) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), seconds * 1000);
    return recordLive({
      server: serverUrl,
      token: uploader,
      deviceKey: device.privateKeyPem,
      deviceId: device.deviceId,
      officerId: 'officer-0421',
      ffmpegPath,
      input: 'testsrc2=size=320x240:rate=25',
      inputFormat: 'lavfi',
      segmentSeconds: 2,
      workDir: join(work, dir),
      signal: controller.signal,
      onEvent,
    });
  };

  describe('a 10 s recording in 2 s segments', () => {
    let result: Awaited<ReturnType<typeof recordLive>>;
    const events: LiveEvent[] = [];

    before(async () => {
      result = await record(server.url, 'a', 10, (e) => events.push(e));
    });

    it('sends each segment as it is finished, chained and signed, then seals the recording (SIGINT to ffmpeg)', async () => {
      expect(result.segmentCount).to.be.within(4, 6);
      const finished = events.filter((e) => e.type === 'segment-finished');
      const sent = events.filter((e) => e.type === 'segment-sent');
      expect(sent.map((e) => (e as { sequence: number }).sequence)).to.deep.equal(finished.map((e) => (e as { sequence: number }).sequence));
      // Sent while recording, not at the end: the first segment left long before the last was finished.
      expect((sent[0] as { sentAt: number }).sentAt).to.be.below((finished[finished.length - 1] as { finishedAt: number }).finishedAt);
      const { body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}`, server.adminToken);
      expect(body).to.include({ state: 'sealed', segmentCount: result.segmentCount, deviceId: 'BWC-LIVE-1', signed: true, lastSegmentHash: result.lastSegmentHash });
      body.segments.forEach((s: any, i: number) => {
        expect(s.sequence).to.equal(i);
        expect(s.prevSegmentHash).to.equal(i === 0 ? null : body.segments[i - 1].sha256);
      });
    });

    it('verifies end to end once anchored: order, links, seal, signatures, bytes, anchoring on chain', async () => {
      const verification = await until('the recording to be anchored', async () => {
        const { body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}/verification`, server.adminToken);
        return body.checks.find((c: any) => c.check === 'segment-anchor').ok ? body : undefined;
      });
      expect(verification.ok, JSON.stringify(verification.checks)).to.equal(true);
      expect(verification.checks.map((c: any) => c.check)).to.deep.equal(['segment-order', 'segment-chain', 'seal', 'segment-signature', 'segment-content', 'segment-anchor']);
      expect(verification.sealed).to.equal(true);
    });

    it('serves the whole recording (segments concatenated) and each segment, byte-identical to what was recorded', async () => {
      const response = await fetch(`${server.url}/v1/recordings/${result.recordingId}/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      const whole = Buffer.from(await response.arrayBuffer());
      const local = Buffer.concat(Array.from({ length: result.segmentCount }, (_, i) => readFileSync(join(work, 'a', `segment-${String(i).padStart(6, '0')}.ts`))));
      expect(whole.equals(local)).to.equal(true);
      const one = await fetch(`${server.url}/v1/recordings/${result.recordingId}/segments/1/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      expect(Buffer.from(await one.arrayBuffer()).equals(readFileSync(join(work, 'a', 'segment-000001.ts')))).to.equal(true);
      const proof = await getJson(`${server.url}/v1/recordings/${result.recordingId}/segments/0/proof`, server.adminToken);
      expect(proof.body.event.type).to.equal('segment.recorded');
      const verified = (await postJson(`${server.url}/v1/verify`, proof.body)).body;
      expect(verified.ok, JSON.stringify(verified.checks)).to.equal(true);
      expect(verified.checks.find((c: any) => c.check === 'device-signature').message).to.match(/^segment 0 of rec_.*signed at the source by device BWC-LIVE-1/);
    });

    it('detects a removed segment and a swapped one (fault injected: rows edited in the database)', async () => {
      const db = openDatabase(join(server.dataDir, 'custos.db'));
      try {
        const rows = db.prepare('SELECT sequence, event FROM segments WHERE recording_id = ? ORDER BY sequence').all(result.recordingId) as Array<{ sequence: number; event: string }>;
        // Swap the logged events of segments 1 and 2 (what an insider reordering the file would have to do).
        const swap = db.prepare('UPDATE segments SET event = ? WHERE recording_id = ? AND sequence = ?');
        swap.run(rows[2].event, result.recordingId, 1);
        swap.run(rows[1].event, result.recordingId, 2);
        let { body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}/verification`, server.adminToken);
        expect(body.ok).to.equal(false);
        expect(body.checks.find((c: any) => c.check === 'segment-order')).to.include({ ok: false });
        swap.run(rows[1].event, result.recordingId, 1);
        swap.run(rows[2].event, result.recordingId, 2);

        // Remove segment 1.
        const removed = db.prepare('SELECT * FROM segments WHERE recording_id = ? AND sequence = 1').get(result.recordingId) as Record<string, unknown>;
        db.prepare('DELETE FROM segments WHERE recording_id = ? AND sequence = 1').run(result.recordingId);
        ({ body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}/verification`, server.adminToken));
        expect(body.ok).to.equal(false);
        expect(body.checks.find((c: any) => c.check === 'segment-order')).to.include({ ok: false, code: 'SEGMENT_GAP' });
        expect(body.checks.find((c: any) => c.check === 'seal')).to.include({ ok: false, code: 'SEAL_MISMATCH' });
        db.prepare('INSERT INTO segments (recording_id, sequence, sha256, size, cid, leaf_index, event, received_at) VALUES (@recording_id, @sequence, @sha256, @size, @cid, @leaf_index, @event, @received_at)').run(removed);
        ({ body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}/verification`, server.adminToken));
        expect(body.ok, JSON.stringify(body.checks)).to.equal(true);
      } finally {
        db.close();
      }
    });

    it('refuses a replaced segment, a gap and a broken link at upload time, and anything after the seal', async () => {
      const digest = (bytes: Buffer) => `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
      const put = async (id: string, sequence: number, prev: string, bytes: Buffer): Promise<{ status: number; body: any }> => {
        const r = await fetch(`${server.url}/v1/recordings/${id}/segments/${sequence}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${server.adminToken}`, 'repr-digest': digest(bytes), 'custos-segment-prev': prev },
          body: bytes,
        });
        return { status: r.status, body: await r.json() };
      };
      const other = Buffer.from('not the original segment');
      expect((await put(result.recordingId, 0, 'none', other)).body.error.code).to.equal('SEGMENT_CONFLICT');
      expect((await put(result.recordingId, result.segmentCount, result.lastSegmentHash!, other)).body.error.code).to.equal('RECORDING_SEALED');

      // A recording opened by hand (an admin's token needs no device signature).
      const id = `rec_${randomUUID()}`;
      const opened = await fetch(`${server.url}/v1/recordings/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recordingId: id, deviceId: 'BWC-LIVE-1', officerId: 'officer-0421', startedAt: new Date().toISOString(), segmentSeconds: 2, format: 'mpegts' }),
      });
      expect(opened.status).to.equal(201);
      const first = Buffer.from('segment zero');
      expect((await put(id, 0, 'none', first)).status).to.equal(201);
      expect((await put(id, 0, 'none', first)).status).to.equal(200); // a retry of a stored segment
      const gap = await put(id, 2, createHash('sha256').update(first).digest('hex'), Buffer.from('segment two'));
      expect(gap.status).to.equal(409);
      expect(gap.body.error).to.include({ code: 'SEGMENT_OUT_OF_ORDER' });
      const broken = await put(id, 1, 'f'.repeat(64), Buffer.from('segment one'));
      expect(broken.body.error.code).to.equal('SEGMENT_CHAIN_BROKEN');
      const unsigned = await fetch(`${server.url}/v1/recordings/${id}/segments/1`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${uploader}`, 'repr-digest': digest(Buffer.from('x')), 'custos-segment-prev': createHash('sha256').update(first).digest('hex') },
        body: Buffer.from('x'),
      });
      expect(((await unsigned.json()) as any).error.code).to.equal('DEVICE_SIGNATURE_REQUIRED');
    });
  });

  it('stops at once when the server refuses the recording (an unregistered device: DEVICE_NOT_REGISTERED)', async () => {
    const started = Date.now();
    const error = await recordLive({
      server: server.url,
      token: uploader,
      deviceKey: device.privateKeyPem,
      deviceId: 'BWC-NOT-REGISTERED',
      officerId: 'officer-0421',
      ffmpegPath,
      input: 'testsrc2=size=320x240:rate=25',
      inputFormat: 'lavfi',
      segmentSeconds: 2,
      workDir: join(work, 'refused'),
      signal: new AbortController().signal, // never aborted: the refusal alone must end it
    }).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(RecordingRefusedError);
    expect((error as RecordingRefusedError).code).to.equal('DEVICE_NOT_REGISTERED');
    expect(Date.now() - started).to.be.below(15_000);
  });

  it('custos-recorder live: JSON lines per event, Ctrl-C (SIGINT) stops ffmpeg gracefully and seals (exit 0)', async () => {
    const keyFile = join(work, 'device.key');
    const tokenFile = join(work, 'token');
    writeFileSync(keyFile, device.privateKeyPem, { mode: 0o600 });
    writeFileSync(tokenFile, uploader, { mode: 0o600 });
    const child = spawn(process.execPath, [
      join(__dirname, '..', '..', 'bin', 'custos-recorder.js'), 'live',
      '--input', 'testsrc2=size=320x240:rate=25', '--input-format', 'lavfi', '--segment-seconds', '1',
      '--server', server.url, '--token-file', tokenFile, '--key', keyFile, '--device-id', device.deviceId, '--officer-id', 'officer-0421',
      '--out', join(work, 'cli'), '--json',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('two segments sent', async () => ((stdout.match(/"segment-sent"/g) ?? []).length >= 2 ? true : undefined), 30_000);
    child.kill('SIGINT');
    expect(await exit).to.equal(0);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line));
    const sealed = events.find((e) => e.type === 'sealed');
    expect(sealed.segmentCount).to.be.at.least(2);
    const { body } = await getJson(`${server.url}/v1/recordings/${sealed.recordingId}`, server.adminToken);
    expect(body).to.include({ state: 'sealed', segmentCount: sealed.segmentCount });
  });

  it('keeps recording through a link cut: segments wait, then go out in order; nothing is lost (fault injected: a proxy drops the link)', async () => {
    const proxy = await linkProxy(server.url);
    const events: LiveEvent[] = [];
    try {
      setTimeout(() => (proxy.down = true), 2500);
      setTimeout(() => (proxy.down = false), 6500);
      const result = await record(proxy.url, 'b', 10, (e) => events.push(e));
      expect(events.some((e) => e.type === 'retrying')).to.equal(true);
      const sent = events.filter((e) => e.type === 'segment-sent').map((e) => (e as { sequence: number }).sequence);
      expect(sent).to.deep.equal(Array.from({ length: result.segmentCount }, (_, i) => i));
      const verification = await until('the recording to be anchored', async () => {
        const { body } = await getJson(`${server.url}/v1/recordings/${result.recordingId}/verification`, server.adminToken);
        return body.checks.find((c: any) => c.check === 'segment-anchor').ok ? body : undefined;
      });
      expect(verification.ok, JSON.stringify(verification.checks)).to.equal(true);
      expect(verification.segmentCount).to.equal(result.segmentCount);
    } finally {
      await proxy.close();
    }
  });
});
