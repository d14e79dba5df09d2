import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeSampleMedia } from '../../scripts/sample-media';
import { unzipSync, zipSync } from 'fflate';
import { getJson, postJson, startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';
import { scratchDir } from '../helpers/scratch';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

describe('verification portal in a real headless Chromium', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const genuine = randomBytes(300_000);
  let record: { id: string; sha256: string };
  const foreignRequests: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    (skipped: no ${CHROMIUM}; .ci/run installs Debian's chromium)`);
      this.skip();
    }
    server = await startTestServer({ config: { media: { enabled: false } } });
    record = (await upload(server.url, genuine, { token: server.adminToken })).body;
    await waitForAnchored(server.url, record.id, server.adminToken);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ locale: 'zh-CN' });
    page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop({ remove: true });
  });

  async function verifyFile(path: string, bytes: Buffer, name = 'recording.mp4'): Promise<{ result: string; checks: Array<{ check: string; ok: boolean }> }> {
    await page.goto(`${server.url}${path}`);
    await page.setInputFiles('#file-input', { name, mimeType: 'video/mp4', buffer: bytes });
    await page.waitForSelector('#file-result[data-result]');
    const result = (await page.getAttribute('#file-result', 'data-result'))!;
    const checks = await page.$$eval('#file-result li', (items) => items.map((li) => ({ check: li.getAttribute('data-check') ?? '', ok: li.classList.contains('ok') })));
    return { result, checks };
  }

  it('verifies a genuine file: hashed in the browser, inclusion checked locally, every check ✓, anchor shown', async () => {
    const { result, checks } = await verifyFile('/', genuine);
    expect(result).to.equal('verified');
    expect(checks.every((c) => c.ok), JSON.stringify(checks)).to.equal(true);
    expect(checks.map((c) => c.check)).to.include.members(['local-inclusion', 'registered', 'inclusion', 'anchor', 'chain-inclusion']);
    const text = await page.textContent('#file-result');
    expect(text).to.contain(record.sha256).and.contain(record.id);
    expect(await page.textContent('dl.anchor')).to.match(/0x[0-9a-f]{64}/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'portal-verified.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'portal-verified.png'))).to.equal(true);
  });

  it('opened from a certificate’s QR code (/verify?sha256=…), fails a file with one flipped byte on the content check', async () => {
    const flipped = Buffer.from(genuine);
    flipped[1234] ^= 0x01;
    const { result, checks } = await verifyFile(`/verify?sha256=${record.sha256}`, flipped);
    expect(await page.textContent('#expected')).to.contain(record.id);
    expect(result).to.equal('not-verified');
    expect(checks.filter((c) => !c.ok).map((c) => c.check)).to.deep.equal(['content-hash']);
  });

  it('says clearly that an unknown file is not registered', async () => {
    const { result, checks } = await verifyFile('/', randomBytes(5000), 'other.mp4');
    expect(result).to.equal('not-verified');
    expect(checks).to.deep.equal([{ check: 'registered', ok: false }]);
    expect(await page.textContent('#file-result .summary')).to.contain('未找到');
  });

  it('verifies a dropped proof bundle', async () => {
    const bundle = (await getJson(`${server.url}/v1/evidence/${record.id}/proof`, server.adminToken)).body;
    await page.goto(`${server.url}/`);
    await page.setInputFiles('#bundle-input', { name: 'proof.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) });
    await page.waitForSelector('#bundle-result[data-result]');
    expect(await page.getAttribute('#bundle-result', 'data-result')).to.equal('verified');
    bundle.event.metadata.officerId = 'officer-9999';
    await page.setInputFiles('#bundle-input', { name: 'edited.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) });
    // A function, not a string: the portal's Content-Security-Policy forbids eval (as it should).
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#bundle-result')?.getAttribute('data-result') === 'not-verified');
    const failed = await page.$$eval('#bundle-result li.bad', (items) => items.map((li) => li.getAttribute('data-check')));
    expect(failed).to.include.members(['local-inclusion', 'leaf-hash']);
  });

  it('verifies a case-file package in the browser, and names the one item whose recording was altered', async () => {
    const { tokens } = server.custos.components;
    const officer = tokens.create('张三', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
    const code = (await postJson(`${server.url}/v1/cases`, { actionType: '02', title: 'portal package' }, officer)).body.code;
    await postJson(`${server.url}/v1/cases/${code}/evidence`, { evidenceId: record.id, purpose: 'scene' }, officer);
    const zipBytes = Buffer.from(await (await fetch(`${server.url}/v1/cases/${code}/package?purpose=court&media=1`, { headers: { authorization: `Bearer ${officer}` } })).arrayBuffer());
    const drop = async (buffer: Buffer) => {
      await page.goto(`${server.url}/`);
      await page.setInputFiles('#package-input', { name: 'case.zip', mimeType: 'application/zip', buffer });
      await page.waitForSelector('#package-result[data-result]');
      return {
        result: await page.getAttribute('#package-result', 'data-result'),
        bad: await page.$$eval('#package-result li.bad', (items) => items.map((li) => li.getAttribute('data-item'))),
      };
    };
    expect(await drop(zipBytes)).to.deep.equal({ result: 'verified', bad: [] });
    expect(await page.textContent('#package-result')).to.contain(code);

    // The same package with one byte of the recording flipped.
    const files = unzipSync(zipBytes);
    files[`media/${record.id}`][77] ^= 0x01;
    expect(await drop(Buffer.from(zipSync(files)))).to.deep.equal({ result: 'not-verified', bad: [record.id] });
  });

  it('switches between Chinese and English (keyboard-operable, labelled controls)', async () => {
    await page.goto(`${server.url}/`);
    expect(await page.getAttribute('html', 'lang')).to.equal('zh-CN');
    expect(await page.textContent('h1')).to.contain('电子证据核验');
    await page.focus('#lang');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    expect(await page.textContent('h1')).to.equal('Custos evidence verification');
    expect(await page.textContent('label[for=file-input]')).to.contain('Drop a recording');
    await page.click('#lang');
    expect(await page.textContent('h1')).to.contain('电子证据核验');
  });

  it('loads nothing from anywhere but the Custos server', () => {
    expect(foreignRequests).to.deep.equal([]);
  });

  describe('signed in: the case page', () => {
    let mediaServer: TestServer;
    let officer: string;
    let code: string;
    let clipId: string;

    before(async function () {
      this.timeout(180_000);
      mediaServer = await startTestServer();
      const media = await makeSampleMedia(undefined, scratchDir('custos-portal-media-'));
      officer = mediaServer.custos.components.tokens.create('张三', 'officer', new Date(), { unit: '110105000', certificate: 'ZF-11010500421' }).secret;
      clipId = (await upload(mediaServer.url, readFileSync(media.mp4), { token: officer, contentType: 'video/mp4' })).body.id;
      code = (await postJson(`${mediaServer.url}/v1/cases`, { actionType: '01', title: '现场检查 site inspection' }, officer)).body.code;
      await postJson(`${mediaServer.url}/v1/cases/${code}/evidence`, { evidenceId: clipId, purpose: 'scene recording' }, officer);
      for (let i = 0; i < 600 && !mediaServer.custos.components.renditions.forEvidence(clipId).some((r) => r.name === 'playback'); i++) await new Promise((r) => setTimeout(r, 200));
      await waitForAnchored(mediaServer.url, clipId, officer);
    });
    after(async () => mediaServer?.stop({ remove: true }));

    it('signs in with a token, shows the case’s evidence (anchored), plays the rendition with Range requests, and logs the viewing purpose', async () => {
      await page.goto(`${mediaServer.url}/`);
      await page.fill('#token', 'cus_wrong');
      await page.click('#sign-in button');
      await page.waitForSelector('#token[aria-invalid=true]');
      await page.fill('#token', officer);
      await page.click('#sign-in button');
      await page.waitForSelector('#account');
      expect(await page.textContent('#account')).to.contain('张三');
      await page.fill('#case-code', code);
      await page.fill('#case-purpose', 'hearing preparation');
      await page.click('#case-form button');
      await page.waitForSelector(`#case-evidence li[data-evidence="${clipId}"]`);
      expect(await page.getAttribute(`#case-evidence li[data-evidence="${clipId}"]`, 'data-status')).to.equal('anchored');
      // The player loads the playback copy through the session cookie, with Range requests.
      await page.waitForFunction(() => ((globalThis as any).document.querySelector('#case-evidence video')?.readyState ?? 0) >= 1, undefined, { timeout: 30_000 });
      const custody = (await getJson(`${mediaServer.url}/v1/evidence/${clipId}/custody`, officer)).body.events.map((e: any) => e.event);
      expect(custody.some((e: any) => e.type === 'custody.read' && e.purpose === 'hearing preparation' && e.read.object === 'rendition')).to.equal(true);
      expect(await page.getAttribute('#package-link', 'href')).to.contain(`/v1/cases/${code}/package?purpose=hearing%20preparation`);
      expect(await page.$$eval('#custody li', (items) => items.map((li) => li.getAttribute('data-type')))).to.include.members(['case.opened']);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'portal-case.png'), fullPage: true });
    });

    it('the session cookie reads but never writes (no cross-site request forgery)', async () => {
      const cookies = await page.context().cookies(mediaServer.url);
      const session = cookies.find((c) => c.name === 'custos_session')!;
      expect(session).to.include({ httpOnly: true, sameSite: 'Strict' });
      const cookie = `custos_session=${session.value}`;
      expect((await fetch(`${mediaServer.url}/v1/cases/${code}`, { headers: { cookie } })).status).to.equal(200);
      const write = await fetch(`${mediaServer.url}/v1/cases/${code}/notes`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'forged' }) });
      expect(write.status).to.equal(401);
    });
  });
});
