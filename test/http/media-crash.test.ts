import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { makeSampleMedia } from '../../scripts/sample-media';
import { spawnServe } from '../helpers/cli';
import { getJson, makeDataDir, upload } from '../helpers/server';

async function poll<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid!, 'SIGKILL');
  });
}

describe('media jobs survive kill -9 of the service', function () {
  this.timeout(300_000);

  it('a transcode cut off by SIGKILL (service and ffmpeg) runs again after a restart and is recorded exactly once', async () => {
    const dataDir = makeDataDir();
    // Long enough that the kill lands while ffmpeg is transcoding.
    const mediaDir = makeDataDir('custos-media-');
    const media = await makeSampleMedia(undefined, mediaDir, { seconds: 12, size: '1280x720' });
    const env = { CUSTOS_JOB_CONCURRENCY: '1', CUSTOS_JOB_RETRY_BASE_MS: '100' };
    let { child, url } = await spawnServe(dataDir, env, { processGroup: true });
    try {
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      const record = (await upload(url, readFileSync(media.mp4), { token })).body;
      const running = await poll('the playback transcode to be under way', async () => {
        const { body } = await getJson(`${url}/v1/jobs?state=running`, token);
        return body.jobs.find((j: any) => j.target === 'playback' && j.progressPercent > 5);
      });
      expect(running.attempts).to.equal(1);
      await killGroup(child);

      ({ child, url } = await spawnServe(dataDir, env, { processGroup: true }));
      const done = await poll('the renditions after the restart', async () => {
        const { body } = await getJson(`${url}/v1/evidence/${record.id}`, token);
        const failed = body.media.jobs.find((j: any) => j.state === 'failed');
        if (failed) throw new Error(`job failed: ${JSON.stringify(failed)}`);
        return body.media.jobs.every((j: any) => j.state === 'succeeded') && body.media.jobs.length === 3 ? body : undefined;
      });
      const playbackJob = done.media.jobs.find((j: any) => j.target === 'playback');
      expect(playbackJob.attempts).to.equal(2); // the killed attempt, then the one that finished
      expect(done.media.renditions.map((r: any) => r.name).sort()).to.deep.equal(['playback', 'poster']);

      const { body: head } = await getJson(`${url}/v1/log/head`);
      const { body: entries } = await getJson(`${url}/v1/log/entries?start=0&end=${head.treeSize}`);
      const types = entries.entries.map(({ event }: any) => (event.type === 'evidence.derived' ? `derived:${event.name}` : event.type));
      expect(types.sort()).to.deep.equal(['derived:playback', 'derived:poster', 'evidence.ingested', 'evidence.probed']);
    } finally {
      await killGroup(child);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(mediaDir, { recursive: true, force: true });
    }
  });
});
