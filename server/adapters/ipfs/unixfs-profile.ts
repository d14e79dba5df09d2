/**
 * The UnixFS import profile: how a byte stream becomes a CID.
 *
 * A CID depends on every DAG-construction parameter, so the same file gives a
 * different CID under different settings. We use IPIP-499's `unixfs-v1-2025`
 * profile (= Kubo `--profile=unixfs-v1-2025` = `@helia/unixfs` addByteStream
 * defaults) so anyone can recompute an evidence CID with stock tools, and we
 * spell out every parameter instead of relying on library defaults, which have
 * changed between releases (256 KiB/174 links before, 1 MiB/1024 links now).
 * The profile name is recorded in every ingest event next to the CID.
 *
 * Built by balanced-file-dag.ts; pinned against Kubo's published CIDs in
 * test/vectors/unixfs/ and against ipfs-unixfs-importer (the reference) in the tests.
 */
export const UNIXFS_PROFILE_NAME = 'unixfs-v1-2025';

/** The parameters that determine the CID (IPIP-499, profile `unixfs-v1-2025`). */
export const UNIXFS_V1_2025 = Object.freeze({
  cidVersion: 1,
  hash: 'sha2-256',
  rawLeaves: true,
  chunkSize: 1_048_576,
  maxChildrenPerNode: 1024,
  /** A file that fits in one chunk is that raw block itself, with no dag-pb root. */
  reduceSingleLeafToSelf: true,
  /** Directory settings: unused for single files, kept so the profile is complete. */
  shardSplitThresholdBytes: 262_144,
  shardSplitStrategy: 'block-bytes',
  shardFanoutBits: 8,
  fieldOrder: 'links-first',
} as const);
