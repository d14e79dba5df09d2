/**
 * The case-file proof package (案卷证据包): a ZIP with the manifest, every
 * attached item's proof bundle (and its renditions'), the bilingual
 * preservation certificate (PDF + HTML), optionally the original media, and
 * the proof of its own case.packaged event, which names the manifest by its
 * SHA-256. Generating one is an export: logged before anything is sent.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors';
import { EVENT_VERSION } from '../core/events';
import type { CasePackagedEvent, CaseOpenedEvent, CustodyEvent } from '../core/case-events';
import { MANIFEST_VERSION, PACKAGE_PATHS, manifestBytes, type CaseManifest, type ManifestItem, type ManifestPerson } from '../core/case-manifest';
import type { EvidenceIngestedEvent } from '../core/events';
import type { ProofBundle } from '../core/proof-bundle';
import type { CertificateItem } from '../adapters/documents';
import { documents } from '../adapters/documents/lazy';
import type { CaseRow } from '../adapters/db/case-store';
import type { TokenRecord } from '../adapters/db/token-store';
import type { AppComponents } from '../http/components';
import { statedPurpose } from './custody';

export type PackageEntry = { name: string; data: Buffer } | { name: string; stream: () => AsyncIterable<Uint8Array>; size: number };

export interface CasePackage {
  manifest: CaseManifest;
  manifestSha256: string;
  leafIndex: number;
  entries: PackageEntry[];
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

type Components = Pick<
  AppComponents,
  'config' | 'db' | 'log' | 'evidence' | 'anchors' | 'renditions' | 'content' | 'cases' | 'caseService' | 'caseReview' | 'custodyStore' | 'custody' | 'notary' | 'buildProofBundle'
>;

export function createCasePackages(c: Components) {
  const eventAt = <T>(leafIndex: number): T => JSON.parse(c.log.entries(leafIndex, leafIndex + 1)[0].event) as T;
  const person = (actor: { name: string; role: string }, certificate?: string): ManifestPerson => ({ name: actor.name, role: actor.role, ...(certificate ? { certificate } : {}) });

  const logPackaged = c.db.transaction((event: CasePackagedEvent): number => {
    const { leafIndex } = c.log.append(event, event.at);
    c.custodyStore.index(event, leafIndex);
    return leafIndex;
  });

  /** The log head covering `leafIndex` is anchored: wait for the anchorer (bounded). */
  async function waitForAnchor(leafIndex: number): Promise<void> {
    const deadline = Date.now() + Math.min(120_000, Math.max(15_000, 5 * c.config.anchorIntervalMs));
    while ((c.anchors.latest()?.treeSize ?? 0) <= leafIndex) {
      if (Date.now() > deadline) {
        throw new AppError('CHAIN_UNAVAILABLE', `the package was logged (leaf ${leafIndex}) but its head is not anchored yet, so its proof cannot be included; retry shortly`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function anchoredBundle(record: { leafIndex: number; event: string }): ProofBundle | null {
    const built = c.buildProofBundle(record);
    return built.status === 'anchored' ? built.bundle : null;
  }

  function items(row: CaseRow, withMedia: boolean, reviewed: Set<string>) {
    const entries: PackageEntry[] = [];
    const list: ManifestItem[] = [];
    const bundles = new Map<string, ProofBundle>();
    for (const attachment of c.cases.attachments(row.code).filter((a) => !a.detachedAt)) {
      const record = c.evidence.byId(attachment.evidenceId)!;
      const event = JSON.parse(record.event) as EvidenceIngestedEvent;
      const attach = eventAt<CustodyEvent>(attachment.attachLeaf);
      const bundle = anchoredBundle(record);
      if (bundle) {
        bundles.set(record.id, bundle);
        entries.push({ name: PACKAGE_PATHS.proof(record.id), data: Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`) });
      }
      const renditions = c.renditions.forEvidence(record.id).map((r) => {
        const own = anchoredBundle(r);
        const path = own && bundle ? PACKAGE_PATHS.renditionProof(record.id, r.name) : null;
        if (path) entries.push({ name: path, data: Buffer.from(`${JSON.stringify({ ...own, derivedFrom: bundle }, null, 2)}\n`) });
        return { name: r.name, sha256: r.sha256, cid: r.cid, size: r.size, mediaType: r.mediaType, proof: path };
      });
      if (withMedia) entries.push({ name: PACKAGE_PATHS.media(record.id), size: record.size, stream: () => c.content.get(record.cid) });
      const custodyLeaves = c.custodyStore.leavesForEvidence(record.id);
      const byType: Record<string, number> = {};
      let first: string | null = null;
      let last: string | null = null;
      for (const leaf of custodyLeaves) {
        const e = eventAt<{ type: string; at: string }>(leaf);
        byType[e.type] = (byType[e.type] ?? 0) + 1;
        first ??= e.at;
        last = e.at;
      }
      list.push({
        evidenceId: record.id,
        sha256: record.sha256,
        cid: record.cid,
        size: record.size,
        mediaType: record.mediaType,
        metadata: event.metadata as Record<string, unknown>,
        receivedAt: record.receivedAt,
        attachedAt: attachment.attachedAt,
        attachedBy: person(attach.actor, attach.certificate),
        anchored: bundle !== null,
        proof: bundle ? PACKAGE_PATHS.proof(record.id) : null,
        media: withMedia ? PACKAGE_PATHS.media(record.id) : null,
        review: reviewed.has(record.id) ? 'reviewed' : 'pending',
        renditions,
        notarizations: c.notary.proofsFor(record.leafIndex).map(({ statement }) => ({ notary: statement.notary, certificateNumber: statement.certificateNumber, issuedAt: statement.issuedAt })),
        custody: { events: custodyLeaves.length, byType, first, last },
      });
    }
    return { list, entries, bundles };
  }

  return {
    async build(token: TokenRecord, code: string, options: { purpose: unknown; media: boolean; baseUrl: string }): Promise<CasePackage> {
      const row = c.caseService.find(code, token);
      const purpose = statedPurpose(options.purpose, 'the export');
      const opened = JSON.parse(row.event) as CaseOpenedEvent;
      const review = c.caseReview.view(row);
      const { list, entries, bundles } = items(row, options.media, new Set(review.state === 'reviewed' ? review.reviewedEvidenceIds : []));
      const anchor = c.anchors.latest();
      const now = new Date().toISOString();
      const manifest: CaseManifest = {
        version: MANIFEST_VERSION,
        case: {
          code: row.code,
          title: opened.title,
          actionType: { code: row.actionType, ...(c.caseService.actionTypes[row.actionType] ?? { en: row.actionType, zh: row.actionType }) },
          unit: row.unit,
          status: row.status,
          openedAt: row.openedAt,
          openedBy: person(opened.openedBy, opened.certificate),
        },
        generatedAt: now,
        generatedBy: person(token, token.certificate ?? undefined),
        purpose,
        chain: anchor ? { chainId: anchor.chainId, contract: anchor.contract.toLowerCase() } : null,
        items: list,
        review: {
          stages: review.stages,
          state: review.state as 'reviewed' | 'pending',
          round: review.round,
          decisions: review.decisions.map((d) => {
            const e = eventAt<CustodyEvent>(d.leafIndex);
            return { stage: d.stage, decision: d.decision, ...(e.review?.reason ? { reason: e.review.reason } : {}), by: person(e.actor, e.certificate), at: d.at, leafIndex: d.leafIndex };
          }),
        },
      };
      const bytes = manifestBytes(manifest);
      const manifestSha256 = sha256Hex(bytes);
      const event: CasePackagedEvent = {
        version: EVENT_VERSION,
        type: 'case.packaged',
        caseCode: row.code,
        actor: { tokenId: token.id, name: token.name, role: token.role },
        ...(token.certificate ? { certificate: token.certificate } : {}),
        manifestSha256,
        evidenceIds: list.map((i) => i.evidenceId),
        purpose,
        at: now,
      };
      const leafIndex = logPackaged(event);
      await waitForAnchor(leafIndex);
      const manifestProof = anchoredBundle({ leafIndex, event: JSON.stringify(event) })!;

      const certificate = {
        caseCode: row.code,
        caseTitle: opened.title,
        actionType: manifest.case.actionType,
        unit: row.unit,
        status: row.status,
        generatedAt: now,
        generatedBy: `${token.name}${token.certificate ? ` (${token.certificate})` : ''}`,
        manifestSha256,
        items: list.map((item): CertificateItem => {
          const bundle = bundles.get(item.evidenceId);
          const notarization = item.notarizations[0];
          return {
            evidenceId: item.evidenceId,
            sha256: item.sha256,
            cid: item.cid,
            ...(typeof item.metadata.fileName === 'string' ? { fileName: item.metadata.fileName } : {}),
            mediaType: item.mediaType,
            size: item.size,
            recordedAt: typeof item.metadata.recordedAt === 'string' ? item.metadata.recordedAt : item.receivedAt,
            officer: { name: item.attachedBy.name, ...(item.attachedBy.certificate ? { certificate: item.attachedBy.certificate } : {}) },
            anchor: bundle ? bundle.anchor : null,
            notarization: notarization ? { notary: notarization.notary.name, certificateNumber: notarization.certificateNumber, issuedAt: notarization.issuedAt } : null,
            verifyUrl: `${options.baseUrl}/verify?sha256=${item.sha256}`,
          };
        }),
      };
      const { renderCertificatePdf, renderCertificateHtml } = documents();
      const [pdf, html] = await Promise.all([renderCertificatePdf(certificate), renderCertificateHtml(certificate)]);
      return {
        manifest,
        manifestSha256,
        leafIndex,
        entries: [
          { name: PACKAGE_PATHS.manifest, data: bytes },
          { name: PACKAGE_PATHS.manifestProof, data: Buffer.from(`${JSON.stringify(manifestProof, null, 2)}\n`) },
          { name: PACKAGE_PATHS.certificatePdf, data: pdf },
          { name: PACKAGE_PATHS.certificateHtml, data: Buffer.from(html) },
          { name: PACKAGE_PATHS.readme, data: Buffer.from(readme(row.code, manifestSha256)) },
          ...entries,
        ],
      };
    },
  };
}

export type CasePackages = ReturnType<typeof createCasePackages>;

function readme(code: string, manifestSha256: string): string {
  return `Custos case-file package · 案卷证据包
Case (administrative action code) 行政行为码: ${code}
manifest.json SHA-256: ${manifestSha256}

Verify everything offline against the chain (no Custos server needed):
  custos verify --package <this.zip> --rpc <chain JSON-RPC URL> --contract <CustosLog address>

manifest.json        the case, every item (sha256, CID, metadata, renditions, custody summary) and the review trail
proofs/<id>.json     each item's proof bundle (custos.proof/v1): Merkle inclusion + on-chain anchor
proofs/manifest.json the proof of this package's own case.packaged event, which names manifest.json by its SHA-256
certificate.pdf/html the printable evidence-preservation certificate (证据保全证书)
media/<id>           the original recordings, when the package includes them
`;
}
