/** ZIP in and out for case-file packages: yazl streams a package out (media never held in memory); yauzl reads one back entry by entry. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '../../core/errors';

export type ZipInput = { name: string; data: Buffer } | { name: string; stream: () => AsyncIterable<Uint8Array>; size: number };

/** A readable ZIP of `entries`, in order. Media (already compressed) is stored, everything else deflated. */
export function zipStream(entries: readonly ZipInput[], mtime = new Date()): Readable {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if ('data' in entry) zip.addBuffer(entry.data, entry.name, { mtime });
    else zip.addReadStream(Readable.from(entry.stream()), entry.name, { mtime, size: entry.size, compress: false });
  }
  zip.end();
  return zip.outputStream as Readable;
}

export interface ZipReader {
  names(): string[];
  /** The whole entry (small files: manifest, proofs). */
  read(name: string): Promise<Buffer>;
  /** SHA-256 of an entry, streamed (media of any size). */
  sha256(name: string): Promise<string>;
  close(): void;
}

export async function openZip(path: string): Promise<ZipReader> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, file) => (error ? reject(error) : resolve(file))),
  ).catch((error: Error) => {
    throw new AppError('BAD_REQUEST', `${path} is not a readable ZIP: ${error.message}`);
  });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  const open = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw new AppError('NOT_FOUND', `the package has no ${name}`);
    return new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
  };
  return {
    names: () => [...entries.keys()],
    async read(name) {
      const chunks: Buffer[] = [];
      for await (const chunk of await open(name)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    async sha256(name) {
      const hash = createHash('sha256');
      for await (const chunk of await open(name)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    },
    close: () => zip.close(),
  };
}
