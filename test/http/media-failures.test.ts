import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveMediaBinaries } from '../../server/adapters/media';
import { makeSampleMedia, type SampleMedia } from '../../scripts/sample-media';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

/**
 * Fault injected: an "ffmpeg" that is the real one, except that it fails every
 * H.264 transcode the way a broken encoder would. Everything else (ffprobe,
 * packet hashes, the poster) runs for real.
 */
function brokenEncoder(dir: string, realFfmpeg: string): string {
  const path = join(dir, 'ffmpeg');
  writeFileSync(
    path,
    `#!/bin/sh\ncase " $* " in *" libx264 "*) echo "[libx264] encoder exploded (fault injected by the test)" >&2; exit 1;; esac\nexec "${realFfmpeg}" "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('media job failures are retried, then visible (fault injected: an ffmpeg whose H.264 encoder fails)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let work: string;
  let media: SampleMedia;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'custos-media-fail-'));
    const real = await resolveMediaBinaries();
    media = await makeSampleMedia(real.ffmpegPath, join(work, 'media'));
    server = await startTestServer({
      config: {
        media: { ffmpegPath: brokenEncoder(work, real.ffmpegPath), ffprobePath: real.ffprobePath },
        jobs: { concurrency: 1, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200 },
      },
    });
  });

  after(async () => {
    await server?.stop({ remove: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('retries the playback job with backoff, marks it failed with ffmpeg’s own words, and keeps the evidence and its other rendition', async () => {
    const { body: uploaded } = await upload(server.url, readFileSync(media.mp4), { token: server.adminToken });
    const deadline = Date.now() + 120_000;
    let record: any;
    for (;;) {
      record = (await getJson(`${server.url}/v1/evidence/${uploaded.id}`, server.adminToken)).body;
      const jobs = record.media?.jobs ?? [];
      if (jobs.length === 3 && jobs.every((j: any) => j.state === 'succeeded' || j.state === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`jobs not settled: ${JSON.stringify(jobs)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const playback = record.media.jobs.find((j: any) => j.target === 'playback');
    expect(playback).to.include({ state: 'failed', attempts: 3 });
    expect(playback.lastError).to.match(/^MEDIA_TOOL_FAILED: .*encoder exploded/);
    expect(record.media.jobs.find((j: any) => j.target === 'poster').state).to.equal('succeeded');
    expect(record.media.renditions.map((r: any) => r.name)).to.deep.equal(['poster']);

    const failed = (await getJson(`${server.url}/v1/jobs?state=failed`, server.adminToken)).body;
    expect(failed.jobs.map((j: any) => j.id)).to.deep.equal([playback.id]);
    expect(failed.counts.failed).to.equal(1);
    // The evidence itself is untouched by the failure: stored, logged, anchored.
    await waitForAnchored(server.url, uploaded.id, server.adminToken);
    const verified = (await postJson(`${server.url}/v1/verify`, { sha256: uploaded.sha256 })).body;
    expect(verified.ok, JSON.stringify(verified.checks)).to.equal(true);
  });
});
