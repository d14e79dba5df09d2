/**
 * The evidence-preservation certificate (证据保全证书) of a case-file package:
 * what the package's proofs show, printed for people. It asserts nothing the
 * proofs do not: the renderers take plain data, and the same content model
 * (certificate-content.ts) feeds the PDF and the HTML form.
 */
export { renderCertificateHtml } from './certificate-html';
export { renderCertificatePdf } from './certificate-pdf';

export interface CertificateItem {
  evidenceId: string;
  sha256: string;
  cid: string;
  fileName?: string;
  mediaType?: string;
  size: number;
  /** ISO time the recording was made (or received). */
  recordedAt: string;
  /** Who recorded or attached it. */
  officer: { name: string; certificate?: string };
  /** null: not yet anchored, printed as such. */
  anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; anchoredAt: string } | null;
  notarization: { notary: string; certificateNumber: string; issuedAt: string } | null;
  /** The item's QR code encodes exactly this URL. */
  verifyUrl: string;
}

export interface CertificateInput {
  /** The 27-digit administrative action code. */
  caseCode: string;
  caseTitle: string;
  actionType: { zh: string; en: string };
  unit: string;
  status: string;
  /** ISO time; also the PDF's CreationDate, so a re-render gives the same bytes. */
  generatedAt: string;
  generatedBy: string;
  manifestSha256: string;
  items: CertificateItem[];
}
