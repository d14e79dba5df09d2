/** Loads the RFC 9162 vectors shipped in test/vectors/rfc9162 (never fetched over the network). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const VECTORS_DIR = join(__dirname, '..', 'vectors', 'rfc9162');

export interface InclusionVector {
  file: string;
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

export interface ConsistencyVector {
  file: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.json') ? [path] : [];
  });
}

function load<T>(kind: 'inclusion' | 'consistency'): T[] {
  return walk(join(VECTORS_DIR, kind))
    .sort()
    .map((path) => ({ file: relative(VECTORS_DIR, path), ...JSON.parse(readFileSync(path, 'utf8')) }) as T);
}

export const inclusionVectors = (): InclusionVector[] => load<InclusionVector>('inclusion');
export const consistencyVectors = (): ConsistencyVector[] => load<ConsistencyVector>('consistency');

export const fromBase64 = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64'));
