/**
 * The unixfs-v1-2025 profile as ipfs-unixfs-importer options: the reference
 * our own DAG builder is checked against. Fresh each call (the importer
 * mutates the object it is given); `profile` is deliberately not passed, it
 * would overwrite some fields.
 */
import type { ImporterOptions } from 'ipfs-unixfs-importer' with { 'resolution-mode': 'import' };
import { UNIXFS_V1_2025 } from '../../server/adapters/ipfs/unixfs-profile';

export async function referenceImporterOptions(): Promise<ImporterOptions> {
  const [{ fixedSize }, { balanced }] = await Promise.all([import('ipfs-unixfs-importer/chunker'), import('ipfs-unixfs-importer/layout')]);
  const p = UNIXFS_V1_2025;
  return {
    cidVersion: p.cidVersion,
    rawLeaves: p.rawLeaves,
    reduceSingleLeafToSelf: p.reduceSingleLeafToSelf,
    chunker: fixedSize({ chunkSize: p.chunkSize }),
    layout: balanced({ maxChildrenPerNode: p.maxChildrenPerNode }),
    wrapWithDirectory: false,
    shardSplitThresholdBytes: p.shardSplitThresholdBytes,
    shardSplitStrategy: p.shardSplitStrategy,
    shardFanoutBits: p.shardFanoutBits,
    fieldOrder: p.fieldOrder,
  };
}
