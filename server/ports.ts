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
  /**
   * SHA-256 and size of a committed file, re-read from the store (audits).
   * `onChunk` is awaited after each chunk (a throttle). Rejects with
   * CONTENT_UNAVAILABLE when a block is missing or a DAG node is corrupt.
   */
  digest(cid: string, onChunk?: (bytes: number) => Promise<void>): Promise<{ sha256: string; size: number }>;
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
  /** When `notary` cosigned the head anchored at `treeSize` (seconds; 0 if it never did). */
  cosignedAt(treeSize: number, notary: string): Promise<number>;
  /** Whether `account` holds NOTARY_ROLE now. */
  isNotary(account: string): Promise<boolean>;
  /** Cosigns an anchored head as the signer (who must hold NOTARY_ROLE); rejects with the contract's decoded error. */
  cosignHead(treeSize: number, rootHash: string): Promise<AnchorReceipt>;
  /**
   * Grants NOTARY_ROLE to `account` (the signer must hold the admin role) and,
   * if the account has no balance and `fundWei` > 0, sends it that much for gas.
   */
  grantNotary(account: string, fundWei?: bigint): Promise<{ txHash: string; fundedWei: bigint }>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- media (ffmpeg / ffprobe)

/** Which binaries are used, and where they came from (recorded in every derivation). */
export interface MediaToolInfo {
  ffmpegPath: string;
  ffprobePath: string;
  /** config: paths given in the configuration; system: found on PATH (ffmpeg >= 5); npm: @ffmpeg-installer / @ffprobe-installer. */
  source: 'config' | 'system' | 'npm';
  /** First line of `ffmpeg -version`, exactly as printed. */
  ffmpegVersion: string;
  /** First line of `ffprobe -version`, exactly as printed. */
  ffprobeVersion: string;
}

export type StreamType = 'video' | 'audio' | 'subtitle' | 'data' | 'attachment';

export interface MediaStream {
  /** ffprobe's stream index in the container. */
  index: number;
  type: StreamType;
  codec: string;
  profile?: string;
  width?: number;
  height?: number;
  /** Average frame rate as ffprobe gives it, e.g. "30/1". */
  frameRate?: string;
  pixelFormat?: string;
  sampleRate?: number;
  channels?: number;
  sampleFormat?: string;
  durationSeconds?: number;
  /** A still picture attached to an audio file (cover art), not a video. */
  attachedPicture?: boolean;
}

/** What ffprobe says about a recording (only what courts and players need; no raw dump). */
export interface MediaInfo {
  /** 'video' if it has a real video stream, else 'audio'. */
  kind: 'video' | 'audio';
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "wav". */
  container: string;
  durationSeconds?: number;
  bitRate?: number;
  streams: MediaStream[];
  /** The container's creation_time tag, if any (ISO-8601 as written by the device). */
  creationTime?: string;
  /** Device-identifying tags from the container and streams (make, model, encoder, handler_name, com.apple.quicktime.*, device id...). */
  deviceTags: Record<string, string>;
}

export type ProbeResult = { playable: true; info: MediaInfo } | { playable: false; reason: string };

/** SHA-256 of one stream: of its packets as stored (`-c copy`), or of its decoded frames/samples. */
export interface StreamHash {
  index: number;
  type: 'video' | 'audio';
  codec: string;
  sha256: string;
  /** For decoded hashes: the raw format hashed (e.g. "rawvideo yuv420p 1920x1080", "f32le 48000 Hz 1 ch"). */
  format?: string;
}

export interface MediaRunOptions {
  timeoutMs: number;
  /** Expected output duration, to turn ffmpeg's out_time into a fraction. */
  durationSeconds?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface MediaTool {
  readonly info: MediaToolInfo;
  /** Never throws for a bad file: a file that is not (playable) media is { playable: false, reason }. */
  probe(file: string): Promise<ProbeResult>;
  /** Per-stream SHA-256 of the packets as stored (stream copy, no decoding): equal across a pure remux. */
  packetHashes(file: string, info: MediaInfo): Promise<StreamHash[]>;
  /** Per-stream SHA-256 of the decoded frames (video) and samples (audio). */
  decodedHashes(file: string, info: MediaInfo, options?: Partial<MediaRunOptions>): Promise<StreamHash[]>;
  /** Runs ffmpeg with exactly these arguments (a recipe's, paths substituted). */
  runFfmpeg(args: readonly string[], options: MediaRunOptions): Promise<void>;
}
