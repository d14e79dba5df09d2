/**
 * The manifest of a case-file package (custos.case-package/v1): what the
 * package holds and where in it, so `custos verify --package` (or anyone) can
 * check every item. The package's case.packaged event names the manifest by
 * the SHA-256 of its exact bytes, and proofs/manifest.json proves that event.
 */
export const MANIFEST_VERSION = 'custos.case-package/v1';

/** Paths inside the ZIP. */
export const PACKAGE_PATHS = {
  manifest: 'manifest.json',
  manifestProof: 'proofs/manifest.json',
  certificatePdf: 'certificate.pdf',
  certificateHtml: 'certificate.html',
  readme: 'README.txt',
  proof: (evidenceId: string) => `proofs/${evidenceId}.json`,
  renditionProof: (evidenceId: string, name: string) => `proofs/${evidenceId}.rendition-${name}.json`,
  media: (evidenceId: string) => `media/${evidenceId}`,
} as const;

export interface ManifestPerson {
  name: string;
  role?: string;
  certificate?: string;
}

export interface ManifestRendition {
  name: string;
  sha256: string;
  cid: string;
  size: number;
  mediaType: string;
  /** Path of its proof bundle in the package; null while not anchored. */
  proof: string | null;
}

export interface ManifestItem {
  evidenceId: string;
  sha256: string;
  cid: string;
  size: number;
  mediaType: string;
  metadata: Record<string, unknown>;
  receivedAt: string;
  attachedAt: string;
  attachedBy: ManifestPerson;
  anchored: boolean;
  /** Path of its proof bundle in the package; null while not anchored. */
  proof: string | null;
  /** Path of the original's bytes, when the package includes media. */
  media: string | null;
  review: 'reviewed' | 'pending';
  renditions: ManifestRendition[];
  notarizations: Array<{ notary: { address: string; name: string }; certificateNumber: string; issuedAt: string }>;
  custody: { events: number; byType: Record<string, number>; first: string | null; last: string | null };
}

export interface CaseManifest {
  version: typeof MANIFEST_VERSION;
  case: {
    code: string;
    title: string;
    actionType: { code: string; en: string; zh: string };
    unit: string;
    status: string;
    openedAt: string;
    openedBy: ManifestPerson;
  };
  generatedAt: string;
  generatedBy: ManifestPerson;
  purpose: string;
  chain: { chainId: number; contract: string } | null;
  items: ManifestItem[];
  review: {
    stages: Array<{ id: string; en: string; zh: string }>;
    state: 'reviewed' | 'pending';
    round: number;
    decisions: Array<{ stage: string; decision: string; reason?: string; by: ManifestPerson; at: string; leafIndex: number }>;
  };
}

/** The manifest's bytes as packaged (and hashed): pretty JSON, readable in any text editor. */
export function manifestBytes(manifest: CaseManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}
