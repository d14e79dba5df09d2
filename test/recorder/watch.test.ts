import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDeviceKey } from '../../server/core/device-signature';
import { Journal } from '../../recorder/watch/journal';
import type { WatchEvent } from '../../recorder/watch/events';
import { registerTestDevice } from '../helpers/device';
import { Relay } from '../helpers/tcp-relay';
import { getJson, sha256Hex, startTestServer, type TestServer } from '../helpers/server';

const KiB = 1024;
const MiB = 1024 * KiB;
const RECORDER = join(__dirname, '..', '..', 'bin', 'custos-recorder.js');

/** `custos-recorder watch … --json` as a child process, its events parsed as they arrive. */
class WatchRun {
  readonly events: WatchEvent[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  private readonly child: ChildProcess;
  private readonly waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [RECORDER, 'watch', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    this.child.stdout!.on('data', (data: Buffer) => {
      pending += data.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr!.on('data', (data: Buffer) => (this.stderr += data.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  of<T extends WatchEvent['type']>(type: T): Array<Extract<WatchEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<Extract<WatchEvent, { type: T }>>;
  }

  async waitFor(what: string, found: (e: WatchEvent) => boolean, timeoutMs = 30_000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.events.find(found);
      if (event) return event;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }

  /** The exit code, or undefined while it runs. */
  get exitCode(): number | null | undefined {
    return this.child.exitCode ?? (this.child.signalCode ? null : undefined);
  }

  /** Waits for the exit; fails with stderr if the code is not `expected`. */
  async finished(expected = 0): Promise<this> {
    const code = await this.exited;
    expect(code, `exit code; stderr: ${this.stderr}`).to.equal(expected);
    return this;
  }
}

async function until(what: string, ready: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('custos-recorder watch: the dock-station agent (real service, tus, SQLite)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let work: string;
  let tokenFile: string;
  let keyFile: string;
  const DEVICE = 'BWC-DOCK-1';

  before(async () => {
    server = await startTestServer({ config: { media: { enabled: false }, anchorIntervalMs: 150 } });
    work = mkdtempSync(join(tmpdir(), 'custos-watch-'));
    tokenFile = join(work, 'uploader.token');
    writeFileSync(tokenFile, server.custos.components.tokens.create('dock-station-1', 'uploader').secret);
    keyFile = join(work, 'device.key');
    writeFileSync(keyFile, (await registerTestDevice(server.url, server.adminToken, DEVICE)).privateKeyPem, { mode: 0o600 });
  });
  after(async () => {
    await server?.stop({ remove: true });
    rmSync(work, { recursive: true, force: true });
  });

  let folderCount = 0;
  /** A fresh dock folder for one test. */
  const dockFolder = () => {
    const dir = join(work, `dock-${++folderCount}`);
    mkdirSync(dir);
    return dir;
  };
  const evidenceCount = () => server.custos.components.evidence.count();
  const watchArgs = (dir: string, extra: string[] = [], serverUrl = server.url) => [
    dir,
    '--server', serverUrl,
    '--token-file', tokenFile,
    '--key', keyFile,
    '--poll-ms', '100',
    '--settle-ms', '400',
    ...extra,
  ];
  const journalRows = (path: string) => {
    const journal = Journal.open(path);
    try {
      return journal.all();
    } finally {
      journal.close();
    }
  };
  const evidenceBySha = async (sha256: string) => (await getJson(`${server.url}/v1/evidence?sha256=${sha256}`, server.adminToken)).body;

  describe('--once over a folder with three recordings (sidecar, file-name convention, flags)', () => {
    let dir: string;
    let keyDir: string;
    const files: Record<string, Buffer> = {
      'clip-a.mp4': randomBytes(300 * KiB),
      'BWC-0042_20261120T173000+0800_0001.mov': randomBytes(200 * KiB),
      'cam2/audio.wav': randomBytes(100 * KiB),
    };
    const sidecar = {
      deviceId: 'DOCK-SIDECAR',
      officerId: 'officer-7',
      recordedAt: '2026-11-20T09:00:00+08:00',
      endedAt: '2026-11-20T09:10:00+08:00',
      location: { lat: 31.2304, lon: 121.4737 },
      note: '夜间巡逻',
    };
    const wavTime = new Date('2026-11-19T22:00:00.000Z');
    let first: WatchRun;

    before(async () => {
      dir = dockFolder();
      // A dock serving three recorders holds their three keys, one <deviceId>.key each.
      keyDir = join(work, 'keys');
      mkdirSync(keyDir);
      for (const id of ['DOCK-SIDECAR', 'BWC-0042', 'BWC-FLAG']) writeFileSync(join(keyDir, `${id}.key`), (await registerTestDevice(server.url, server.adminToken, id)).privateKeyPem);
      mkdirSync(join(dir, 'cam2'));
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      writeFileSync(join(dir, 'clip-a.mp4.json'), JSON.stringify(sidecar));
      utimesSync(join(dir, 'cam2/audio.wav'), wavTime, wavTime);
      // Never recordings: hidden, a copy in progress, a temporary file.
      writeFileSync(join(dir, '.hidden.mp4'), randomBytes(1000));
      writeFileSync(join(dir, 'copying.mp4.part'), randomBytes(1000));
      writeFileSync(join(dir, 'cam2/x.tmp'), randomBytes(1000));

      const before = evidenceCount();
      first = await new WatchRun([...watchArgs(dir, ['--once', '--device-id', 'BWC-FLAG', '--officer-id', 'officer-flag']), '--key', keyDir]).finished();
      expect(evidenceCount()).to.equal(before + 3);
    });

    it('creates three signed evidence records with the metadata of each source', async () => {
      const sent = first.of('uploaded');
      expect(sent.map((e) => e.path).sort()).to.deep.equal(Object.keys(files).sort());
      const record = async (name: string) => {
        const body = await evidenceBySha(sha256Hex(files[name]));
        expect(body.signed, name).to.equal(true);
        return body;
      };
      const a = await record('clip-a.mp4');
      expect(a.metadata).to.deep.equal({ ...sidecar, fileName: 'clip-a.mp4' });
      expect(a.mediaType).to.equal('video/mp4');
      expect(a.device.deviceId).to.equal('DOCK-SIDECAR');

      const mov = await record('BWC-0042_20261120T173000+0800_0001.mov');
      expect(mov.metadata).to.deep.equal({
        deviceId: 'BWC-0042',
        officerId: 'officer-flag',
        recordedAt: '2026-11-20T17:30:00+08:00',
        fileName: 'BWC-0042_20261120T173000+0800_0001.mov',
      });
      expect(mov.mediaType).to.equal('video/quicktime');

      const wav = await record('cam2/audio.wav');
      expect(wav.metadata).to.deep.equal({ deviceId: 'BWC-FLAG', officerId: 'officer-flag', recordedAt: wavTime.toISOString(), fileName: 'audio.wav' });
      expect(wav.mediaType).to.equal('audio/wav');
    });

    it('skips hidden, partial and temporary files', () => {
      const named = first.events.filter((e) => 'path' in e && /hidden|copying|x\.tmp/.test(String(e.path)));
      expect(named).to.deep.equal([]);
    });

    it('stores each proof beside the journal, proving the file, and marks the rows verified', () => {
      const rows = journalRows(join(dir, '.custos-journal.sqlite'));
      expect(rows.map((r) => [r.path, r.state]).sort()).to.deep.equal(Object.keys(files).sort().map((name) => [name, 'verified']));
      for (const row of rows) {
        expect(row.sha256).to.equal(sha256Hex(files[row.path]));
        expect(row.proofPath).to.equal(`proofs/${row.evidenceId}.proof.json`);
        const bundle = JSON.parse(readFileSync(join(dir, row.proofPath!), 'utf8'));
        expect(bundle.event).to.include({ type: 'evidence.ingested', evidenceId: row.evidenceId, sha256: row.sha256 });
        expect(bundle.anchor.txHash).to.match(/^0x[0-9a-f]{64}$/);
      }
      expect(first.of('verified')).to.have.length(3);
      // Recordings stay without --delete-after-verified.
      for (const name of Object.keys(files)) expect(existsSync(join(dir, name)), name).to.equal(true);
    });

    it('a second --once run uploads nothing', async () => {
      const before = evidenceCount();
      const second = await new WatchRun([...watchArgs(dir, ['--once', '--device-id', 'BWC-FLAG', '--officer-id', 'officer-flag']), '--key', keyDir]).finished();
      expect(second.of('upload-started')).to.deep.equal([]);
      expect(second.of('stopped')[0]).to.include({ reason: 'done', verified: 0, refused: 0, unfinished: 0 });
      expect(evidenceCount()).to.equal(before);
    });
  });

  describe('a file still being written', () => {
    it('is not uploaded until its size and mtime stop changing', async () => {
      const dir = dockFolder();
      const file = join(dir, 'growing.mp4');
      const chunks = [randomBytes(64 * KiB)];
      writeFileSync(file, chunks[0]);
      const before = evidenceCount();
      const run = new WatchRun(watchArgs(dir, ['--once', '--device-id', DEVICE, '--officer-id', 'officer-1', '--settle-ms', '800']));
      await run.waitFor('the file to be seen', (e) => e.type === 'file-seen');
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const chunk = randomBytes(64 * KiB);
        chunks.push(chunk);
        appendFileSync(file, chunk);
      }
      const eventsWhileWriting = run.events.length;
      expect(run.of('file-stable'), 'stable while still written to').to.deep.equal([]);
      expect(evidenceCount()).to.equal(before);

      await run.finished();
      const whole = Buffer.concat(chunks);
      const uploaded = run.of('uploaded');
      expect(uploaded).to.have.length(1);
      expect(uploaded[0].sha256).to.equal(sha256Hex(whole));
      expect(run.events.findIndex((e) => e.type === 'file-stable')).to.be.at.least(eventsWhileWriting);
      expect(evidenceCount()).to.equal(before + 1);
      expect((await evidenceBySha(sha256Hex(whole))).size).to.equal(whole.length);
    });
  });

  describe('killed (SIGKILL) in the middle of a large upload, then restarted', () => {
    let relay: Relay;
    afterEach(async () => relay?.stop());

    it('resumes the same upload from the server offset: one evidence, only the rest sent again', async () => {
      const dir = dockFolder();
      const journal = join(work, 'kill-journal', 'journal.sqlite');
      const bytes = randomBytes(64 * MiB);
      writeFileSync(join(dir, 'long-shift.mp4'), bytes);
      relay = new Relay(Number(new URL(server.url).port));
      const relayUrl = await relay.start();
      relay.bytesPerSecond = 16 * MiB;
      const args = watchArgs(dir, ['--once', '--device-id', DEVICE, '--officer-id', 'officer-1', '--journal', journal, '--chunk-size', '1MiB'], relayUrl);
      const before = evidenceCount();

      const killed = new WatchRun(args);
      await killed.waitFor('a few chunks to be sent', (e) => e.type === 'upload-progress' && e.bytesSent >= 3 * MiB);
      await killed.kill();
      const [row] = journalRows(journal);
      expect(row.state).to.equal('uploading');
      expect(row.uploadUrl).to.match(/\/v1\/uploads\//);
      const head = await fetch(row.uploadUrl!, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${server.adminToken}` } });
      const offsetAfterKill = Number(head.headers.get('upload-offset'));
      expect(offsetAfterKill).to.be.greaterThan(0);
      expect(offsetAfterKill).to.be.lessThan(bytes.length);
      expect(evidenceCount()).to.equal(before);

      relay.bytesPerSecond = null;
      const sentBeforeRestart = relay.sent;
      const restarted = await new WatchRun(args).finished();
      const resentBytes = relay.sent - sentBeforeRestart;
      const [started] = restarted.of('upload-started');
      expect(started.uploadUrl, 'the restarted agent resumes the journaled upload').to.equal(row.uploadUrl);
      const [uploaded] = restarted.of('uploaded');
      expect(uploaded.uploadUrl).to.equal(row.uploadUrl);
      expect(uploaded.resumedFrom).to.be.at.least(offsetAfterKill);
      expect(uploaded.bytesSent).to.equal(bytes.length - uploaded.resumedFrom);
      expect(resentBytes, 'bytes on the wire after the restart').to.be.lessThan(bytes.length - offsetAfterKill + 64 * KiB);
      expect(evidenceCount()).to.equal(before + 1);
      expect((await evidenceBySha(sha256Hex(bytes))).id).to.equal(uploaded.evidenceId);
      const [done] = journalRows(journal);
      expect(done).to.include({ state: 'verified', evidenceId: uploaded.evidenceId, uploadUrl: row.uploadUrl });
      expect(existsSync(join(work, 'kill-journal', 'proofs', `${uploaded.evidenceId}.proof.json`))).to.equal(true);
    });
  });

  describe('interrupted on purpose, or by the server', () => {
    let relay: Relay;
    afterEach(async () => relay?.stop());
    const startSlow = async (dir: string, journal: string, bytesPerSecond: number, extra: string[]) => {
      relay = new Relay(Number(new URL(server.url).port));
      const relayUrl = await relay.start();
      relay.bytesPerSecond = bytesPerSecond;
      const args = watchArgs(dir, ['--device-id', DEVICE, '--officer-id', 'officer-1', '--journal', journal, '--chunk-size', '1MiB', ...extra], relayUrl);
      return { args, run: new WatchRun(args) };
    };
    const offsetOf = async (uploadUrl: string) => {
      const res = await fetch(`${server.url}${new URL(uploadUrl).pathname}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${server.adminToken}` } });
      return { status: res.status, offset: Number(res.headers.get('upload-offset')) };
    };

    it('SIGTERM finishes the chunk in flight, keeps the upload URL in the journal and exits 0', async () => {
      const dir = dockFolder();
      const journal = join(work, 'term-journal.sqlite');
      writeFileSync(join(dir, 'shift.mp4'), randomBytes(8 * MiB));
      relay = new Relay(Number(new URL(server.url).port));
      const relayUrl = await relay.start();
      // The link hangs part-way through the third 1 MiB chunk.
      relay.holdAfter = 2.5 * MiB;
      const run = new WatchRun(watchArgs(dir, ['--device-id', DEVICE, '--officer-id', 'officer-1', '--journal', journal, '--chunk-size', '1MiB'], relayUrl));
      await until('the link to hang mid-chunk', () => relay.sent >= 2.5 * MiB);
      void run.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      expect(run.exitCode, 'still finishing the chunk in flight').to.equal(undefined);
      relay.release();
      await run.finished(0);
      expect(run.of('stopped')[0]).to.include({ reason: 'signal' });
      const [row] = journalRows(journal);
      expect(row.state).to.equal('uploading');
      // The whole chunk that was in flight, and no chunk after it.
      expect((await offsetOf(row.uploadUrl!)).offset).to.equal(3 * MiB);
    });

    it('an upload the server no longer has (expired, deleted) is started again, exactly once', async () => {
      const dir = dockFolder();
      const journal = join(work, 'gone-journal.sqlite');
      const bytes = randomBytes(8 * MiB);
      writeFileSync(join(dir, 'gone.mp4'), bytes);
      const { args, run } = await startSlow(dir, journal, 4 * MiB, ['--once']);
      await run.waitFor('a chunk to be sent', (e) => e.type === 'upload-progress' && e.bytesSent >= 1 * MiB);
      await run.kill();
      const [{ uploadUrl: lost }] = journalRows(journal);
      const removed = await fetch(`${server.url}${new URL(lost!).pathname}`, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${server.adminToken}` } });
      expect(removed.status).to.equal(204);

      relay.bytesPerSecond = null;
      const before = evidenceCount();
      const restarted = await new WatchRun(args).finished();
      expect(restarted.of('upload-started').map((e) => e.uploadUrl)).to.deep.equal([lost, null]);
      expect(restarted.of('error').map((e) => [e.code, e.outcome])).to.deep.equal([['UPLOAD_GONE', 'retry']]);
      const [uploaded] = restarted.of('uploaded');
      expect(uploaded.uploadUrl).to.not.equal(lost);
      expect(uploaded.resumedFrom).to.equal(0);
      expect(evidenceCount()).to.equal(before + 1);
      expect(journalRows(journal)[0]).to.include({ state: 'verified', uploadUrl: uploaded.uploadUrl, evidenceId: uploaded.evidenceId });
    });
  });

  describe('--delete-after-verified', () => {
    it('deletes a recording only once its proof is stored and proves the file; never without the flag', async () => {
      const dir = dockFolder();
      const journal = join(dir, '.custos-journal.sqlite');
      const a = randomBytes(50 * KiB);
      const b = randomBytes(60 * KiB);
      writeFileSync(join(dir, 'a.mp4'), a);
      writeFileSync(join(dir, 'a.mp4.json'), JSON.stringify({ officerId: 'officer-9' }));
      writeFileSync(join(dir, 'b.mp4'), b);
      const args = (extra: string[]) => watchArgs(dir, ['--once', '--device-id', DEVICE, '--officer-id', 'officer-1', ...extra]);

      const kept = await new WatchRun(args([])).finished();
      expect(kept.of('verified')).to.have.length(2);
      expect(kept.of('deleted')).to.deep.equal([]);
      expect(existsSync(join(dir, 'a.mp4')) && existsSync(join(dir, 'b.mp4'))).to.equal(true);

      // b's stored proof no longer proves b: it must not be deleted on its strength.
      const bRow = journalRows(journal).find((r) => r.path === 'b.mp4')!;
      const bProof = join(dir, bRow.proofPath!);
      const tampered = JSON.parse(readFileSync(bProof, 'utf8'));
      tampered.event.sha256 = '0'.repeat(64);
      writeFileSync(bProof, JSON.stringify(tampered));
      // c arrives and is sent, proven and deleted in one run.
      const c = randomBytes(70 * KiB);
      writeFileSync(join(dir, 'c.mp4'), c);

      const run = await new WatchRun(args(['--delete-after-verified'])).finished();
      expect(run.of('deleted').map((e) => e.path).sort()).to.deep.equal(['a.mp4', 'c.mp4']);
      expect(existsSync(join(dir, 'a.mp4'))).to.equal(false);
      expect(existsSync(join(dir, 'a.mp4.json')), 'the sidecar goes with its recording').to.equal(false);
      expect(existsSync(join(dir, 'c.mp4'))).to.equal(false);
      expect(existsSync(join(dir, 'b.mp4'))).to.equal(true);
      const refusal = run.of('error').find((e) => e.path === 'b.mp4');
      expect(refusal).to.include({ code: 'PROOF_MISMATCH' });

      const cVerified = run.events.findIndex((e) => e.type === 'verified' && e.path === 'c.mp4');
      const cDeleted = run.events.findIndex((e) => e.type === 'deleted' && e.path === 'c.mp4');
      expect(cVerified).to.be.greaterThan(-1);
      expect(cDeleted).to.be.greaterThan(cVerified);
      const rows = journalRows(journal);
      const state = (path: string) => rows.find((r) => r.path === path)!;
      expect(state('a.mp4').state).to.equal('deleted');
      expect(state('b.mp4').state).to.equal('verified');
      expect(state('c.mp4').state).to.equal('deleted');
      for (const path of ['a.mp4', 'c.mp4']) {
        const proof = JSON.parse(readFileSync(join(dir, state(path).proofPath!), 'utf8'));
        expect(proof.event.sha256).to.equal(sha256Hex(path === 'a.mp4' ? a : c));
      }
    });
  });

  describe('a token the server refuses', () => {
    it('stops the agent with TOKEN_REFUSED (exit 3) without refusing the file: it is sent once the token is fixed', async () => {
      const dir = dockFolder();
      writeFileSync(join(dir, 'clip.mp4'), randomBytes(10 * KiB));
      const badToken = join(work, 'bad.token');
      writeFileSync(badToken, 'not-a-token');
      const args = watchArgs(dir, ['--once', '--device-id', DEVICE, '--officer-id', 'officer-1']);
      const run = await new WatchRun([...args, '--token-file', badToken]).finished(3);
      expect(run.stderr).to.match(/TOKEN_REFUSED/);
      expect(run.of('error').map((e) => [e.code, e.outcome])).to.deep.equal([['TOKEN_REFUSED', 'fatal']]);
      expect(journalRows(join(dir, '.custos-journal.sqlite'))[0].state).to.equal('pending');

      const fixed = await new WatchRun(args).finished();
      expect(fixed.of('verified')).to.have.length(1);
    });
  });

  describe('a device the server does not know', () => {
    it('is refused once with DEVICE_NOT_REGISTERED: the file stays, the row is refused, exit 0; retried only with --retry-refused', async () => {
      const dir = dockFolder();
      const unknownKey = join(work, 'unknown.key');
      writeFileSync(unknownKey, generateDeviceKey().privateKeyPem);
      const bytes = randomBytes(40 * KiB);
      writeFileSync(join(dir, 'BWC-UNKNOWN_20261120T093000Z.mp4'), bytes);
      const args = (extra: string[] = []) => [...watchArgs(dir, ['--once', '--officer-id', 'officer-1', ...extra]), '--key', unknownKey];
      const before = evidenceCount();

      const run = await new WatchRun(args()).finished(0);
      const errors = run.of('error');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ code: 'DEVICE_NOT_REGISTERED', status: 403, outcome: 'refused', path: 'BWC-UNKNOWN_20261120T093000Z.mp4' });
      expect(run.of('stopped')[0]).to.include({ refused: 1, unfinished: 0 });
      expect(existsSync(join(dir, 'BWC-UNKNOWN_20261120T093000Z.mp4'))).to.equal(true);
      const [row] = journalRows(join(dir, '.custos-journal.sqlite'));
      expect(row).to.include({ state: 'refused', lastErrorCode: 'DEVICE_NOT_REGISTERED', uploadUrl: null });

      const again = await new WatchRun(args()).finished(0);
      expect(again.of('error'), 'reported once per file, not at every run').to.deep.equal([]);
      expect(again.of('upload-started')).to.deep.equal([]);

      const retried = await new WatchRun(args(['--retry-refused'])).finished(0);
      expect(retried.of('error').map((e) => e.code)).to.deep.equal(['DEVICE_NOT_REGISTERED']);
      expect(evidenceCount()).to.equal(before);
    });
  });
});
