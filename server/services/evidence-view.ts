/** The evidence record as the API shows it. */
import type { EvidenceIngestedEvent } from '../core/events';
import type { EvidenceRow } from '../adapters/db/evidence-store';
import type { AnchorRecord } from '../adapters/db/anchor-store';
import { formatChainTime } from '../core/proof-bundle';
import { keyId } from '../core/device-signature';
import type { MediaView } from './media-view';

export type EvidenceStatus = 'pending' | 'anchored';

export interface EvidenceView {
  id: string;
  sha256: string;
  size: number;
  mediaType: string;
  cid: string;
  cidProfile: string;
  leafIndex: number;
  status: EvidenceStatus;
  metadata: EvidenceIngestedEvent['metadata'];
  receivedAt: string;
  uploader: { name: string; role: string };
  /** Signed at the source by a registered recorder, or a manual (unsigned) upload. */
  signed: boolean;
  device?: { deviceId: string; keyId: string };
  /** The latest anchored head that contains this record, once there is one. */
  anchor?: AnchorView;
  /** What the media pipeline found and made (probe, renditions, jobs). */
  media?: MediaView;
}

export interface AnchorView {
  treeSize: number;
  rootHash: string;
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  anchoredAt: string;
}

/** An anchored head as the API shows it everywhere: hex in lowercase (as in proof bundles), time in ISO-8601. */
export function anchorView(anchor: AnchorRecord): AnchorView {
  return {
    treeSize: anchor.treeSize,
    rootHash: anchor.rootHash,
    chainId: anchor.chainId,
    contract: anchor.contract.toLowerCase(),
    txHash: anchor.txHash.toLowerCase(),
    blockNumber: anchor.blockNumber,
    anchoredAt: formatChainTime(anchor.anchoredAt),
  };
}

export function isAnchored(row: Pick<EvidenceRow, 'leafIndex'>, latest: AnchorRecord | null): latest is AnchorRecord {
  return latest !== null && latest.treeSize > row.leafIndex;
}

export function toEvidenceView(row: EvidenceRow, latest: AnchorRecord | null): EvidenceView {
  const event = JSON.parse(row.event) as EvidenceIngestedEvent;
  const view: EvidenceView = {
    id: row.id,
    sha256: row.sha256,
    size: row.size,
    mediaType: row.mediaType,
    cid: row.cid,
    cidProfile: event.cidProfile,
    leafIndex: row.leafIndex,
    status: isAnchored(row, latest) ? 'anchored' : 'pending',
    metadata: event.metadata,
    receivedAt: row.receivedAt,
    uploader: { name: event.uploader.name, role: event.uploader.role },
    signed: event.deviceSignature !== undefined,
    ...(event.deviceSignature ? { device: { deviceId: event.metadata.deviceId, keyId: keyId(event.deviceSignature.publicKey) } } : {}),
  };
  if (isAnchored(row, latest)) {
    view.anchor = anchorView(latest);
  }
  return view;
}
