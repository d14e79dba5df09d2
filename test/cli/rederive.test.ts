import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../../scripts/sample-media';
import { runCli } from '../helpers/cli';
import { getJson, startTestServer, upload, type TestServer } from '../helpers/server';

describe('custos rederive and custos verify on renditions', function () {
  this.timeout(240_000);
  let server: TestServer;
  let work: string;
  let media: SampleMedia;
  let id: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'custos-rederive-'));
    media = await makeSampleMedia(undefined, join(work, 'media'));
    server = await startTestServer();
    id = (await upload(server.url, readFileSync(media.mp4), { token: server.adminToken })).body.id;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { body } = await getJson(`${server.url}/v1/evidence/${id}`, server.adminToken);
      if (body.status === 'anchored' && body.media?.renditions?.length === 2) break;
      if (Date.now() > deadline) throw new Error(`renditions not ready: ${JSON.stringify(body.media)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await server?.stop({ remove: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('re-runs the logged recipes with the same ffmpeg and reproduces every rendition byte for byte (exit 0)', async () => {
    const res = await runCli(['rederive', id, '--server', server.url], { CUSTOS_TOKEN: server.adminToken }, 120_000);
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout).to.match(/^✓ playback: the recorded recipe reproduces the rendition byte for byte/m);
    expect(res.stdout).to.match(/^✓ poster:/m);
  });

  it('with another ffmpeg build, says the difference is expected rather than calling it tampering (exit 1)', async function () {
    const npmFfmpeg: string = require('@ffmpeg-installer/ffmpeg').path;
    const npmFfprobe: string = require('@ffprobe-installer/ffprobe').path;
    if (server.custos.components.mediaTool!.info.ffmpegPath === npmFfmpeg) this.skip(); // only one build on this machine
    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, server.adminToken, { mode: 0o600 });
    const res = await runCli(['rederive', id, '--rendition', 'playback', '--server', server.url, '--token-file', tokenFile, '--ffmpeg', npmFfmpeg, '--ffprobe', npmFfprobe, '--json'], {}, 120_000);
    expect(res.code, res.stderr).to.equal(1);
    const [outcome] = JSON.parse(res.stdout).outcomes;
    expect(outcome).to.include({ name: 'playback', reproduced: false, sameBinary: false });
    expect(outcome.explanation).to.match(/as expected with a different ffmpeg build/);
  });

  it('refuses without a token, and names an unknown rendition, in one line', async () => {
    const noToken = await runCli(['rederive', id, '--server', server.url], { CUSTOS_TOKEN: '' });
    expect(noToken.code).to.equal(2);
    expect(noToken.stderr.trim().split('\n')).to.have.length(1);
    const unknown = await runCli(['rederive', id, '--rendition', 'nope', '--server', server.url], { CUSTOS_TOKEN: server.adminToken });
    expect(unknown.code).to.equal(3);
    expect(unknown.stderr).to.match(/has no rendition "nope"/);
  });

  it('custos verify checks a rendition file with its bundle, the original’s bundle included; a flipped byte fails', async () => {
    const bundle = (await getJson(`${server.url}/v1/evidence/${id}/renditions/playback/proof`, server.adminToken)).body;
    const bundlePath = join(work, 'playback.proof.json');
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const bytes = Buffer.from(await (await fetch(`${server.url}/v1/evidence/${id}/renditions/playback/content?purpose=test`, { headers: { authorization: `Bearer ${server.adminToken}` } })).arrayBuffer());
    const file = join(work, 'playback.mp4');
    writeFileSync(file, bytes);
    const { rpcUrl, contract } = await server.custos.components.chain.info();
    const ok = await runCli(['verify', file, '--bundle', bundlePath, '--rpc', rpcUrl, '--contract', contract]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/✓ derived-from\s+made from evidence ev_/);
    bytes[100] ^= 0x80;
    writeFileSync(file, bytes);
    const bad = await runCli(['verify', file, '--bundle', bundlePath, '--rpc', rpcUrl, '--contract', contract]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.match(/✗ content-hash/);
  });
});
