import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSampleMedia, writeTruncatedMp4, type SampleMedia } from '../../scripts/sample-media';
import { getJson, postJson, sha256Hex, startTestServer, upload, type TestServer } from '../helpers/server';

/** Polls GET /v1/evidence/:id until `done(record)` holds. */
async function waitForMedia(server: TestServer, id: string, done: (record: any) => boolean, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson(`${server.url}/v1/evidence/${id}`, server.adminToken);
    if (done(body)) return body;
    const failed = (body.media?.jobs ?? []).filter((j: any) => j.state === 'failed');
    if (failed.length > 0) throw new Error(`a media job failed: ${JSON.stringify(failed)}`);
    if (Date.now() > deadline) throw new Error(`media of ${id} not done after ${timeoutMs} ms: ${JSON.stringify(body.media)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const probed = (record: any) => record.media?.state === 'probed';
const renditionsDone = (names: string[]) => (record: any) =>
  probed(record) && names.every((n) => (record.media.renditions ?? []).some((r: any) => r.name === n)) && record.status === 'anchored';

async function uploadFile(server: TestServer, path: string, contentType: string): Promise<any> {
  const res = await upload(server.url, readFileSync(path), { token: server.adminToken, contentType });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body;
}

async function verifyBytes(server: TestServer, bytes: Uint8Array, query = ''): Promise<any> {
  const response = await fetch(`${server.url}/v1/verify${query}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  expect(response.status).to.equal(200);
  return response.json();
}

describe('media pipeline through the API (real ffmpeg, IPFS, chain)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let work: string;
  let media: SampleMedia;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'custos-media-http-'));
    media = await makeSampleMedia(undefined, join(work, 'media'));
    server = await startTestServer({ config: { jobs: { concurrency: 1, retryBaseMs: 100, maxAttempts: 2 } } });
  });

  after(async () => {
    await server?.stop({ remove: true });
    rmSync(work, { recursive: true, force: true });
  });

  describe('an MP4 from a body camera', () => {
    let record: any;

    before(async () => {
      const uploaded = await uploadFile(server, media.mp4, 'video/mp4');
      // Ingest does not wait for media work: the probe is only queued.
      expect(uploaded.media.state).to.equal('pending');
      expect(uploaded.media.jobs.map((j: any) => j.kind)).to.deep.equal(['probe']);
      record = await waitForMedia(server, uploaded.id, renditionsDone(['playback', 'poster']));
    });

    it('shows the probe in GET /v1/evidence/:id: container, duration, streams, creation time, device tags', () => {
      const { info } = record.media;
      expect(record.media.playable).to.equal(true);
      expect(info.kind).to.equal('video');
      expect(info.container).to.match(/mp4/);
      expect(info.durationSeconds).to.be.closeTo(2, 0.2);
      const video = info.streams.find((s: any) => s.type === 'video');
      const audio = info.streams.find((s: any) => s.type === 'audio');
      expect(video).to.include({ codec: 'h264', width: 320, height: 240, frameRate: '30/1' });
      expect(audio).to.include({ codec: 'aac', sampleRate: 48000, channels: 1 });
      expect(info.creationTime).to.match(/^2024-05-01T12:00:00/);
      expect(JSON.stringify(info.deviceTags)).to.contain('BWC-0042');
      expect(record.media.packetHashes.map((h: any) => h.type).sort()).to.deep.equal(['audio', 'video']);
    });

    it('lists a playback copy and a poster, each logged with its recipe and decoded-content hashes', async () => {
      const { body } = await getJson(`${server.url}/v1/evidence/${record.id}/renditions`, server.adminToken);
      const byName = Object.fromEntries(body.renditions.map((r: any) => [r.name, r]));
      expect(byName.playback.mediaType).to.equal('video/mp4');
      expect(byName.poster.mediaType).to.equal('image/jpeg');
      expect(byName.playback.recipe.version).to.match(/^ffmpeg version /);
      expect(byName.playback.recipe.args).to.include.members(['libx264', '+faststart', '{input}', '{output}']);
      expect(byName.playback.decodedHashes.original.map((h: any) => h.type).sort()).to.deep.equal(['audio', 'video']);
      expect(byName.playback.decodedHashes.rendition.map((h: any) => h.type).sort()).to.deep.equal(['audio', 'video']);
      expect(byName.poster.decodedHashes).to.equal(undefined); // not meaningful for a single JPEG
    });

    it('serves the playback copy with Range, and it is H.264/AAC within 720p with creation_time kept', async () => {
      const rendition = record.media.renditions.find((r: any) => r.name === 'playback');
      const partial = await fetch(`${server.url}${rendition.content}?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}`, range: 'bytes=0-99' } });
      expect(partial.status).to.equal(206);
      expect((await partial.arrayBuffer()).byteLength).to.equal(100);
      const whole = Buffer.from(await (await fetch(`${server.url}${rendition.content}?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } })).arrayBuffer());
      expect(sha256Hex(whole)).to.equal(rendition.sha256);
      const file = join(work, 'playback.mp4');
      writeFileSync(file, whole);
      const { ffprobePath } = server.custos.components.mediaTool!.info;
      const probe = JSON.parse(execFileSync(ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], { encoding: 'utf8' }));
      const video = probe.streams.find((s: any) => s.codec_type === 'video');
      expect(video.codec_name).to.equal('h264');
      expect(Math.min(video.width, video.height)).to.be.at.most(720);
      expect(probe.streams.find((s: any) => s.codec_type === 'audio').codec_name).to.equal('aac');
      expect(probe.format.tags.creation_time).to.match(/^2024-05-01T12:00:00/);
    });

    it('gives the rendition a proof bundle that carries its original’s, and both verify on the chain', async () => {
      const { status, body: bundle } = await getJson(`${server.url}/v1/evidence/${record.id}/renditions/playback/proof`, server.adminToken);
      expect(status).to.equal(200);
      expect(bundle.event.type).to.equal('evidence.derived');
      expect(bundle.event.derivedFrom).to.deep.equal({ evidenceId: record.id, sha256: record.sha256 });
      expect(bundle.derivedFrom.event).to.include({ type: 'evidence.ingested', evidenceId: record.id });
      const result = (await postJson(`${server.url}/v1/verify`, bundle)).body;
      expect(result.ok, JSON.stringify(result.checks)).to.equal(true);
      expect(result.checks.find((c: any) => c.check === 'derived-from').ok).to.equal(true);
      expect(result.derivedFrom.ok).to.equal(true);
    });

    it('a bundle whose enclosed original was swapped fails the derived-from check', async () => {
      const { body: bundle } = await getJson(`${server.url}/v1/evidence/${record.id}/renditions/playback/proof`, server.adminToken);
      const other = (await upload(server.url, randomBytes(1000), { token: server.adminToken })).body;
      await waitForMedia(server, other.id, (r) => r.status === 'anchored');
      bundle.derivedFrom = (await getJson(`${server.url}/v1/evidence/${other.id}/proof`, server.adminToken)).body;
      const result = (await postJson(`${server.url}/v1/verify`, bundle)).body;
      expect(result.ok).to.equal(false);
      expect(result.checks.find((c: any) => c.check === 'derived-from')).to.include({ ok: false, code: 'ORIGINAL_MISMATCH' });
    });

    it('verifies the rendition’s bytes as a registered rendition; one flipped byte fails the content hash', async () => {
      const rendition = record.media.renditions.find((r: any) => r.name === 'playback');
      const bytes = Buffer.from(await (await fetch(`${server.url}${rendition.content}?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } })).arrayBuffer());
      const genuine = await verifyBytes(server, bytes);
      expect(genuine.ok, JSON.stringify(genuine.checks)).to.equal(true);
      // The sample MOV holds the same streams, so its playback copy has the same bytes: either original may be named.
      expect(genuine.rendition.name).to.equal('playback');
      expect(genuine.checks[0].message).to.match(/rendition "playback" of evidence ev_/);

      bytes[bytes.length >> 1] ^= 0x01;
      const flipped = await verifyBytes(server, bytes, `?evidenceId=${record.id}&rendition=playback`);
      expect(flipped.ok).to.equal(false);
      expect(flipped.checks.find((c: any) => c.check === 'content-hash')).to.include({ ok: false, code: 'CONTENT_HASH_MISMATCH' });
      const unknown = await verifyBytes(server, bytes);
      expect(unknown.ok).to.equal(false);
      expect(unknown.checks[0].code).to.equal('NOT_REGISTERED');
    });

    it('recognises a remux of the original (same streams, new container) as a distinct check, not as verified', async () => {
      for (const ext of ['mkv', 'mov']) {
        const remux = join(work, `remux.${ext}`);
        execFileSync(media.ffmpegPath, ['-v', 'error', '-y', '-i', media.mp4, '-map', '0', '-c', 'copy', remux]);
        const result = await verifyBytes(server, readFileSync(remux));
        expect(result.ok).to.equal(false);
        expect(result.checks[0]).to.include({ check: 'registered', ok: false, code: 'NOT_REGISTERED' });
        const same = result.checks.find((c: any) => c.check === 'same-streams');
        expect(same.ok, ext).to.equal(true);
        // The sample MOV (uploaded too) carries the same streams: every such original is named.
        expect(same.message).to.match(/^same streams as evidence ev_.*, different container/);
        expect(same.message).to.contain(record.id);
        expect(result.sameStreams.map((e: any) => e.id)).to.include(record.id);
      }
    });

    it('shows finished jobs with 100 % progress in GET /v1/jobs and GET /v1/jobs/:id', async () => {
      const { body } = await getJson(`${server.url}/v1/jobs?evidenceId=${record.id}`, server.adminToken);
      expect(body.jobs.map((j: any) => `${j.kind}:${j.target ?? ''}:${j.state}`).sort()).to.deep.equal(['probe::succeeded', 'rendition:playback:succeeded', 'rendition:poster:succeeded']);
      const one = await getJson(`${server.url}/v1/jobs/${body.jobs[0].id}`, server.adminToken);
      expect(one.body.progressPercent).to.equal(100);
      expect((await getJson(`${server.url}/v1/jobs/job_00000000-0000-0000-0000-000000000000`, server.adminToken)).body.error.code).to.equal('JOB_NOT_FOUND');
      expect((await getJson(`${server.url}/v1/jobs?state=sleeping`, server.adminToken)).status).to.equal(400);
    });
  });

  it('probes a MOV (make/model tags) and derives playback + poster', async () => {
    const uploaded = await uploadFile(server, media.mov, 'video/quicktime');
    const record = await waitForMedia(server, uploaded.id, renditionsDone(['playback', 'poster']));
    expect(record.media.info.container).to.match(/mov/);
    expect(record.media.info.streams.find((s: any) => s.type === 'video').codec).to.equal('h264');
  });

  for (const [name, contentType, codec, rate] of [
    ['wav', 'audio/wav', 'pcm_s16le', 16000],
    ['m4a', 'audio/mp4', 'aac', 48000],
  ] as const) {
    it(`derives an AAC/M4A copy of a ${name.toUpperCase()} recording`, async () => {
      const uploaded = await uploadFile(server, media[name], contentType);
      const record = await waitForMedia(server, uploaded.id, renditionsDone(['audio']));
      expect(record.media.info.kind).to.equal('audio');
      expect(record.media.info.streams[0]).to.include({ codec, sampleRate: rate });
      const rendition = record.media.renditions[0];
      expect(rendition).to.include({ name: 'audio', mediaType: 'audio/mp4' });
      expect(rendition.decodedHashes.original[0].type).to.equal('audio');
    });
  }

  it('accepts and anchors a file that is not media, marked playable: false and never transcoded', async () => {
    const res = await upload(server.url, randomBytes(50_000), { token: server.adminToken, contentType: 'video/mp4' });
    expect(res.status).to.equal(201);
    const record = await waitForMedia(server, res.body.id, (r) => probed(r) && r.status === 'anchored');
    expect(record.media.playable).to.equal(false);
    expect(record.media.reason).to.be.a('string').and.not.equal('');
    expect(record.media.jobs.map((j: any) => j.kind)).to.deep.equal(['probe']);
  });

  it('accepts a truncated MP4 (no moov atom) as evidence, playable: false with the reason', async () => {
    const truncated = await writeTruncatedMp4(media.mp4, join(work, 'truncated.mp4'));
    const uploaded = await uploadFile(server, truncated, 'video/mp4');
    const record = await waitForMedia(server, uploaded.id, probed);
    expect(record.media.playable).to.equal(false);
    expect(record.media.reason).to.match(/moov/i);
    expect(record.media.jobs).to.have.length(1);
  });

  it('reports the media tools and the job counts in /healthz', async () => {
    const { body } = await getJson(`${server.url}/healthz`);
    expect(body.media).to.include({ ok: true, enabled: true });
    expect(body.media.ffmpeg).to.match(/^ffmpeg version /);
    expect(['system', 'npm', 'config']).to.include(body.media.source);
    expect(body.media.jobs.succeeded).to.be.greaterThan(0);
  });

  it('answers 404 RENDITION_NOT_FOUND for a rendition that does not exist', async () => {
    const uploaded = (await upload(server.url, randomBytes(1000), { token: server.adminToken })).body;
    const res = await getJson(`${server.url}/v1/evidence/${uploaded.id}/renditions/playback`, server.adminToken);
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('RENDITION_NOT_FOUND');
  });
});
