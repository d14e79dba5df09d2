/**
 * The interfaces that services need from the outside world. Adapters in
 * server/adapters/* implement them; tests pass the real embedded adapters, or a
 * deliberately faulty wrapper to inject a failure.
 */

// ---------------------------------------------------------------- content (IPFS)

export interface ByteRange {
  /** First byte, inclusive. */
  offset: number;
  /** Number of bytes; omitted means "to the end". */
  length?: number;
}

/**
 * Bytes imported but not yet visible in the store. The caller decides, after
 * its own checks (digest, duplicates), whether to commit or discard them, so an
 * aborted or refused upload never leaves blocks behind and never deletes a
 * block that other content shares.
 */
export interface StagedContent {
  readonly cid: string;
  readonly size: number;
  /** SHA-256 of exactly the bytes staged, lowercase hex, computed in the same pass as the CID. */
  readonly sha256: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface ContentStore {
  /** Name of the import profile, recorded in every ingest event (e.g. "unixfs-v1-2025"). */
  readonly profile: string;
  /** Imports a byte stream into a staging area. Rejects (and cleans up) if the source throws. */
  put(source: AsyncIterable<Uint8Array>): Promise<StagedContent>;
  /** Streams the bytes of a committed file, optionally a range of them. */
  get(cid: string, range?: ByteRange): AsyncIterable<Uint8Array>;
  has(cid: string): Promise<boolean>;
  pin(cid: string): Promise<void>;
  unpin(cid: string): Promise<void>;
  /** Removes staging areas left by a crash. Called once at start-up. */
  cleanStaging(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- chain

export interface ChainHead {
  treeSize: number;
  /** Lowercase hex, 32 bytes. */
  rootHash: string;
  /** Seconds since the epoch (block.timestamp of the anchoring block); 0 if none. */
  anchoredAt: number;
}

export interface AnchorReceipt {
  txHash: string;
  blockNumber: number;
  anchoredAt: number;
}

export interface ChainInfo {
  chainId: number;
  contract: string;
  /** Credentials stripped. */
  rpcUrl: string;
}

export interface ChainAnchor {
  info(): Promise<ChainInfo>;
  /** The latest anchored head, or treeSize 0 if nothing is anchored yet. */
  latestHead(): Promise<ChainHead>;
  /** The head anchored at exactly this size, or null. */
  headAt(treeSize: number): Promise<ChainHead | null>;
  /** Sends anchorHead and waits for it to be mined. Rejects with the contract's decoded custom error. */
  anchorHead(treeSize: number, rootHash: string, consistencyProof: string[]): Promise<AnchorReceipt>;
  /** Where the head of this size was anchored (from the TreeHeadAnchored event), or null; `blockHint` is only where to look first. */
  findAnchor(treeSize: number, blockHint?: number): Promise<AnchorReceipt | null>;
  /** The contract's own verifyInclusion, in one eth_call. */
  verifyInclusion(leafHash: string, leafIndex: number, treeSize: number, proof: string[]): Promise<boolean>;
  close(): Promise<void>;
}
