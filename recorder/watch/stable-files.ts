/**
 * Finding recordings in the dock folder, and knowing when one is finished.
 *
 * The folder is polled (readdir + stat), not watched with fs.watch: inotify
 * and its kin report nothing for changes made by another machine on a network
 * mount (SMB, NFS), miss events on some USB/FUSE file systems (exFAT through
 * FUSE), and drop events under load; a poll every second sees the same truth
 * on every file system.
 *
 * A camera or a copy is not done with a file when it first appears. A file is
 * stable once two observations at least `settleMs` apart found the same size
 * and mtime (for the file and its sidecar). Not "mtime older than settleMs":
 * `cp -p` and rsync set an old mtime while the bytes are still arriving. FAT32
 * keeps mtimes to 2 s, so the size carries the signal there: keep settleMs ≥ 2 s
 * on such media.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isRecordingName, sidecarNameOf } from './file-metadata';

/** How deep to look: cameras mount as `<dock>/<camera>/DCIM/100MEDIA/…`; deeper is not a dock folder. */
const MAX_DEPTH = 8;

export interface ObservedFile {
  /** Absolute path. */
  path: string;
  /** Relative to the watched folder, `/`-separated: the journal key. */
  rel: string;
  size: number;
  mtimeMs: number;
  /** `size:mtimeMs` of `<file>.json`, or null when there is none. */
  sidecarStamp: string | null;
}

/** Everything that identifies a version of a recording and its sidecar. */
export const versionOf = (file: ObservedFile): string => `${file.size}:${file.mtimeMs}:${file.sidecarStamp ?? '-'}`;

/**
 * Lists the recordings under `root` (recursively: one folder per docked camera
 * is common), skipping hidden entries, symbolic links (no loops, nothing
 * outside the dock folder) and `exclude`d paths (the journal, the proofs).
 * A file that vanishes between readdir and stat is simply not listed.
 */
export async function listRecordings(root: string, exclude: (absolutePath: string) => boolean): Promise<ObservedFile[]> {
  const found: ObservedFile[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === root) throw error; // the dock folder itself must be readable; a subfolder may vanish
      return;
    }
    const names = new Set(entries.map((entry) => entry.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const path = join(dir, entry.name);
      if (exclude(path)) continue;
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
        continue;
      }
      if (!entry.isFile() || !isRecordingName(entry.name)) continue;
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      const sidecarName = sidecarNameOf(entry.name);
      const sidecar = names.has(sidecarName) ? await stat(join(dir, sidecarName)).catch(() => null) : null;
      found.push({
        path,
        rel: relative(root, path).split(sep).join('/'),
        size: info.size,
        mtimeMs: info.mtimeMs,
        sidecarStamp: sidecar ? `${sidecar.size}:${sidecar.mtimeMs}` : null,
      });
    }
  };
  await walk(root, 0);
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.rel.localeCompare(b.rel));
}

interface Tracked {
  file: ObservedFile;
  version: string;
  /** When this version was first observed. */
  since: number;
  /** The version the agent last finished handling; no need to look again until it changes. */
  handled: string | null;
}

export interface Observation {
  /** Files not seen before in this run (or seen again after they changed once handled). */
  seen: ObservedFile[];
  /** Files whose current version has been unchanged for settleMs and is not handled yet, oldest first. */
  stable: ObservedFile[];
  /** Files still changing, or not yet observed long enough. */
  settling: number;
}

export class StabilityTracker {
  private readonly files = new Map<string, Tracked>();
  constructor(private readonly settleMs: number) {}

  observe(listing: ObservedFile[], now: number): Observation {
    const seen: ObservedFile[] = [];
    const stable: ObservedFile[] = [];
    let settling = 0;
    const present = new Set<string>();
    for (const file of listing) {
      present.add(file.rel);
      const version = versionOf(file);
      let tracked = this.files.get(file.rel);
      if (!tracked || tracked.version !== version) {
        if (!tracked || tracked.handled !== null) seen.push(file);
        tracked = { file, version, since: now, handled: null };
        this.files.set(file.rel, tracked);
      }
      if (tracked.handled === version) continue;
      if (now - tracked.since >= this.settleMs) stable.push(file);
      else settling += 1;
    }
    for (const rel of this.files.keys()) if (!present.has(rel)) this.files.delete(rel);
    return { seen, stable, settling };
  }

  /** This version needs nothing more from the scanner (done, refused, or waiting for its proof). */
  markHandled(file: ObservedFile): void {
    const tracked = this.files.get(file.rel);
    if (tracked && tracked.version === versionOf(file)) tracked.handled = tracked.version;
  }

  /** Look at this file again at the next scan (e.g. its proof arrived and it may now be deleted). */
  reopen(rel: string): void {
    const tracked = this.files.get(rel);
    if (tracked) tracked.handled = null;
  }

  /** Whether this version of the file is already tracked (so the journal need not be asked about it again). */
  isKnown(file: ObservedFile): boolean {
    return this.files.get(file.rel)?.version === versionOf(file);
  }

  /** Whether any tracked file still needs the scanner: settling, stable but not handled, or reopened. */
  hasUnhandled(): boolean {
    for (const tracked of this.files.values()) if (tracked.handled !== tracked.version) return true;
    return false;
  }

  /** A version already known to be final in the journal needs no settle period. */
  markHandledAtOnce(file: ObservedFile, now: number): void {
    this.files.set(file.rel, { file, version: versionOf(file), since: now, handled: versionOf(file) });
  }
}
