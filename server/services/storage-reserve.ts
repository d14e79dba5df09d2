/**
 * Admission by free disk space. A body camera's upload can be gigabytes over
 * a slow link: if the data directory cannot hold it, the device is told so
 * (507 STORAGE_FULL, before a byte is sent when it asked with
 * `Expect: 100-continue`) instead of after the transfer, and the reserve keeps
 * room for what must never fail for lack of space: the database, the log and
 * the anchoring records of evidence already accepted.
 *
 * This is a check at admission, not a reservation: uploads running side by
 * side are not counted against each other. A write that does hit a full disk
 * fails the upload whole (storage-full.ts) and leaves nothing behind.
 */
import { AppError } from '../core/errors';

export interface StorageStatus {
  ok: boolean;
  freeBytes: number;
  minFreeBytes: number;
}

export interface StorageReserve {
  /** Throws STORAGE_FULL unless `bytes` fit and at least the reserve stays free. */
  assertRoomFor(bytes: number, what: string): Promise<void>;
  status(): Promise<StorageStatus>;
}

export interface StorageReserveOptions {
  dataDir: string;
  /** Bytes that must stay free after an accepted upload (0: no check). */
  minFreeBytes: number;
  freeBytes(path: string): Promise<number>;
}

export function createStorageReserve({ dataDir, minFreeBytes, freeBytes }: StorageReserveOptions): StorageReserve {
  const status = async (): Promise<StorageStatus> => {
    const free = await freeBytes(dataDir);
    return { ok: free >= minFreeBytes, freeBytes: free, minFreeBytes };
  };
  return {
    status,
    async assertRoomFor(bytes, what) {
      if (minFreeBytes === 0) return;
      const { freeBytes: free } = await status();
      if (free - bytes < minFreeBytes) {
        throw new AppError('STORAGE_FULL', `not enough disk space for ${what}: ${free} bytes free, ${bytes} needed, ${minFreeBytes} kept in reserve; try again later`, {
          details: { freeBytes: free, neededBytes: bytes, minFreeBytes },
        });
      }
    },
  };
}
