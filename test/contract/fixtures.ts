/** Shared parts of the CustosLog tests: deployment fixture, RFC 9162 vectors, real trees. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ethers } from 'hardhat';
import { hexlify, id, type Contract } from 'ethers';
import { MemoryTree } from '../../server/core/merkle';
import { hashLeaf, type Hash } from '../../server/core/hash';

export const ANCHORER_ROLE = id('ANCHORER_ROLE');
export const NOTARY_ROLE = id('NOTARY_ROLE');

/**
 * A fresh CustosLog; `log` is connected as the anchorer. Use with `loadFixture`.
 * `notary` is the notary office's account: it holds no role until the admin grants NOTARY_ROLE.
 */
export async function deployCustosLog() {
  const [admin, anchorer, outsider, notary] = await ethers.getSigners();
  const deployed = await ethers.deployContract('CustosLog', [admin.address, anchorer.address]);
  await deployed.waitForDeployment();
  const log = deployed.connect(anchorer) as Contract;
  return { log, admin, anchorer, outsider, notary };
}

// ---------------------------------------------------------------- hashes

export function hex(hash: Uint8Array): string {
  return hexlify(hash);
}

/** A bytes32 value can only carry exactly 32 bytes; anything else must be refused before the chain. */
export function is32Bytes(...hashes: Uint8Array[]): boolean {
  return hashes.every((h) => h.length === 32);
}

/** Leaves `hashLeaf(utf8 "<prefix> " + i)` for i in [0, size). */
export function buildTree(size: number, prefix = 'leaf'): MemoryTree {
  const tree = new MemoryTree();
  for (let i = 0; i < size; i++) tree.append(leafHashOf(prefix, i));
  return tree;
}

export function leafHashOf(prefix: string, i: number): Hash {
  return hashLeaf(new TextEncoder().encode(`${prefix} ${i}`));
}

// ---------------------------------------------------------------- RFC 9162 vectors

const VECTORS_DIR = path.resolve(__dirname, '../vectors/rfc9162');

interface VectorBase {
  /** Path relative to test/vectors/rfc9162, e.g. `inclusion/1/happy-path.json`. */
  file: string;
  desc: string;
  wantErr: boolean;
  proof: Uint8Array[];
}

export interface InclusionVector extends VectorBase {
  kind: 'inclusion';
  leafIdx: bigint;
  treeSize: bigint;
  root: Uint8Array;
  leafHash: Uint8Array;
}

export interface ConsistencyVector extends VectorBase {
  kind: 'consistency';
  size1: bigint;
  size2: bigint;
  root1: Uint8Array;
  root2: Uint8Array;
}

export type Vector = InclusionVector | ConsistencyVector;

/** Every vector file under test/vectors/rfc9162, sorted by path. */
export function loadVectors(): Vector[] {
  return listJsonFiles(VECTORS_DIR)
    .sort()
    .map((absolute) => parseVector(path.relative(VECTORS_DIR, absolute).split(path.sep).join('/'), readFileSync(absolute, 'utf8')));
}

function listJsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listJsonFiles(full);
    return entry.name.endsWith('.json') ? [full] : [];
  });
}

const SIZE_FIELDS = ['leafIdx', 'treeSize', 'size1', 'size2'];

/**
 * The vectors hold uint64 values such as 18446744073709551615 that JSON.parse would
 * round to a different number, so integer fields are quoted before parsing and read as bigint.
 */
function parseVector(file: string, text: string): Vector {
  const quoted = text.replace(new RegExp(`("(?:${SIZE_FIELDS.join('|')})"\\s*:\\s*)(\\d+)`, 'g'), '$1"$2"');
  const raw = JSON.parse(quoted) as Record<string, unknown>;
  const common = {
    file,
    desc: String(raw.desc),
    wantErr: parseBoolean(raw.wantErr, file),
    proof: raw.proof === null ? [] : parseHashList(raw.proof, file),
  };
  if (file.startsWith('inclusion/')) {
    return {
      kind: 'inclusion',
      ...common,
      leafIdx: parseUint64(raw.leafIdx, file),
      treeSize: parseUint64(raw.treeSize, file),
      root: parseBase64(raw.root, file),
      leafHash: parseBase64(raw.leafHash, file),
    };
  }
  if (file.startsWith('consistency/')) {
    return {
      kind: 'consistency',
      ...common,
      size1: parseUint64(raw.size1, file),
      size2: parseUint64(raw.size2, file),
      root1: parseBase64(raw.root1, file),
      root2: parseBase64(raw.root2, file),
    };
  }
  throw new Error(`${file}: neither an inclusion nor a consistency vector`);
}

function parseUint64(value: unknown, file: string): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) throw new Error(`${file}: bad integer ${String(value)}`);
  const n = BigInt(value);
  if (n >= 2n ** 64n) throw new Error(`${file}: ${value} does not fit in uint64`);
  return n;
}

function parseBoolean(value: unknown, file: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${file}: wantErr must be a boolean`);
  return value;
}

/** Strict: Buffer.from(s, 'base64') silently skips characters it does not know. */
function parseBase64(value: unknown, file: string): Uint8Array {
  if (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) {
    throw new Error(`${file}: bad base64 ${String(value)}`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function parseHashList(value: unknown, file: string): Uint8Array[] {
  if (!Array.isArray(value)) throw new Error(`${file}: proof must be an array or null`);
  return value.map((item) => parseBase64(item, file));
}
