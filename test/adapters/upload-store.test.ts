import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadStore, type NewUpload } from '../../server/adapters/uploads/upload-store';

const fields = (length: number): NewUpload => ({
  length,
  uploadMetadata: '',
  metadata: { deviceId: 'BWC-1', officerId: 'o-1', recordedAt: '2026-11-20T09:30:00Z' },
  mediaType: 'video/mp4',
  creator: { tokenId: 'tok_1', name: 'dock', role: 'uploader' },
});

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('UploadStore', () => {
  let directory: string;
  let clock: number;
  let store: UploadStore;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'custos-uploads-'));
    clock = Date.parse('2026-11-20T10:00:00Z');
    store = new UploadStore(directory, 60_000, () => new Date(clock));
    await store.init();
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  describe('sweep', () => {
    it('removes expired uploads and orphaned files, keeps live uploads and uploads in use', async () => {
      const expired = await store.create(fields(10));
      const busy = await store.create(fields(10));
      clock += 30_000;
      const live = await store.create(fields(10));
      writeFileSync(join(directory, `up_${'f'.repeat(32)}.part`), 'orphan');
      clock += 31_000; // expired and busy are past expiry now, live is not
      const release = store.tryLock(busy.id)!;
      const removed = await store.sweep();
      release();
      expect(removed.sort()).to.deep.equal([expired.id, `up_${'f'.repeat(32)}`].sort());
      expect(readdirSync(directory).sort()).to.deep.equal([`${busy.id}.json`, `${busy.id}.part`, `${live.id}.json`, `${live.id}.part`].sort());
    });

    it('a PATCH moves the expiry forward', async () => {
      const record = await store.create(fields(10));
      clock += 50_000;
      await store.append(record, chunks('abc'));
      clock += 50_000;
      expect(store.isExpired((await store.get(record.id))!)).to.equal(false);
    });
  });

  describe('append', () => {
    it('overwrites bytes past the recorded offset (left by a crash) instead of keeping them', async () => {
      const record = await store.create(fields(6));
      await store.append(record, chunks('abc'));
      appendFileSync(join(directory, `${record.id}.part`), 'XXXXXXXX');
      const result = await store.append((await store.get(record.id))!, chunks('def'));
      expect(result).to.deep.equal({ offset: 6, complete: true });
      expect(readFileSync(join(directory, `${record.id}.part`), 'utf8')).to.equal('abcdef');
      // Complete, but not evidence yet: the recorded offset must not say so.
      expect((await store.get(record.id))!.offset).to.equal(3);
    });
  });
});
