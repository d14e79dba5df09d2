/**
 * Verifies a case-file package offline against the chain: the manifest is the
 * one its case.packaged event names (and that event's proof verifies), and
 * every item's proof bundle verifies, for the bytes in the package when it
 * includes media. Nothing is taken from a Custos server.
 */
import { createHash } from 'node:crypto';
import { MANIFEST_VERSION, PACKAGE_PATHS, type CaseManifest } from '../core/case-manifest';
import { failed, pass, type Check } from '../core/checks';
import type { VerificationResult } from '../core/verify';
import type { ProofBundle } from '../core/proof-bundle';
import type { ZipReader } from '../adapters/package/zip';
import type { ChainAnchor } from '../ports';
import { verifyBundleOnChain } from './verification';

export interface PackageItemResult {
  evidenceId: string;
  sha256: string;
  ok: boolean;
  checks: Check[];
  renditions: Array<{ name: string; ok: boolean; checks: Check[] }>;
}

export interface PackageVerification {
  ok: boolean;
  caseCode: string | null;
  manifest: VerificationResult;
  items: PackageItemResult[];
}

type ChainFor = (bundle: ProofBundle) => ChainAnchor;

const result = (checks: Check[]): VerificationResult => ({ ok: checks.length > 0 && checks.every((c) => c.ok), checks });

async function readJson(zip: ZipReader, name: string): Promise<unknown> {
  return JSON.parse((await zip.read(name)).toString('utf8')) as unknown;
}

export async function verifyPackage(zip: ZipReader, chainFor: ChainFor): Promise<PackageVerification> {
  const names = new Set(zip.names());
  if (!names.has(PACKAGE_PATHS.manifest)) {
    return { ok: false, caseCode: null, manifest: result([failed('manifest', 'MANIFEST_MISSING', 'the package has no manifest.json')]), items: [] };
  }
  const bytes = await zip.read(PACKAGE_PATHS.manifest);
  let manifest: CaseManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as CaseManifest;
  } catch {
    return { ok: false, caseCode: null, manifest: result([failed('manifest', 'MANIFEST_INVALID', 'manifest.json is not JSON')]), items: [] };
  }
  if (manifest.version !== MANIFEST_VERSION || !Array.isArray(manifest.items)) {
    return { ok: false, caseCode: null, manifest: result([failed('manifest', 'MANIFEST_INVALID', `manifest.json is not a ${MANIFEST_VERSION} manifest`)]), items: [] };
  }

  const manifestResult = await verifyManifest(zip, names, manifest, createHash('sha256').update(bytes).digest('hex'), chainFor);
  const items: PackageItemResult[] = [];
  for (const item of manifest.items) items.push(await verifyItem(zip, names, item, chainFor));
  return { ok: manifestResult.ok && items.every((i) => i.ok), caseCode: manifest.case?.code ?? null, manifest: manifestResult, items };
}

/** The manifest's own proof: a case.packaged event for this case naming exactly these manifest bytes, anchored. */
async function verifyManifest(zip: ZipReader, names: Set<string>, manifest: CaseManifest, sha256: string, chainFor: ChainFor): Promise<VerificationResult> {
  if (!names.has(PACKAGE_PATHS.manifestProof)) return result([failed('manifest', 'MANIFEST_PROOF_MISSING', 'the package has no proofs/manifest.json')]);
  const raw = await readJson(zip, PACKAGE_PATHS.manifestProof);
  const verified = await verifyBundleOnChain(raw, chainFor);
  const event = (raw as { event?: { type?: string; manifestSha256?: string; caseCode?: string } }).event;
  const named =
    event?.type !== 'case.packaged'
      ? failed('manifest', 'NOT_A_PACKAGE_EVENT', `proofs/manifest.json proves a ${String(event?.type)} event, not case.packaged`)
      : event.manifestSha256 !== sha256
        ? failed('manifest', 'MANIFEST_HASH_MISMATCH', 'manifest.json is not the manifest its case.packaged event names', event.manifestSha256, sha256)
        : event.caseCode !== manifest.case.code
          ? failed('manifest', 'CASE_MISMATCH', 'the case.packaged event is about another case', manifest.case.code, event.caseCode)
          : pass('manifest', `manifest.json (sha256 ${sha256}) is the one logged by case.packaged for case ${manifest.case.code}`);
  return result([named, ...verified.checks]);
}

async function verifyItem(zip: ZipReader, names: Set<string>, item: CaseManifest['items'][number], chainFor: ChainFor): Promise<PackageItemResult> {
  const checks: Check[] = [];
  let contentSha256: string | undefined;
  if (item.media) {
    if (!names.has(item.media)) checks.push(failed('package-item', 'MEDIA_MISSING', `the manifest lists ${item.media}, which the package lacks`));
    else contentSha256 = await zip.sha256(item.media);
  }
  const renditions: PackageItemResult['renditions'] = [];
  if (!item.proof) {
    checks.push(failed('package-item', 'NOT_ANCHORED', `evidence ${item.evidenceId} was not anchored when the package was made: the package holds no proof for it`));
  } else if (!names.has(item.proof)) {
    checks.push(failed('package-item', 'PROOF_MISSING', `the manifest lists ${item.proof}, which the package lacks`));
  } else {
    const raw = await readJson(zip, item.proof);
    const event = (raw as { event?: { evidenceId?: string; sha256?: string } }).event;
    checks.push(
      event?.evidenceId === item.evidenceId && event.sha256 === item.sha256
        ? pass('package-item', `the proof is of evidence ${item.evidenceId}, sha256 ${item.sha256}, as the manifest lists`)
        : failed('package-item', 'PROOF_NOT_OF_ITEM', 'the proof is of another record than the manifest lists', `${item.evidenceId} ${item.sha256}`, `${event?.evidenceId} ${event?.sha256}`),
    );
    checks.push(...(await verifyBundleOnChain(raw, chainFor, contentSha256)).checks);
  }
  for (const rendition of item.renditions ?? []) {
    if (!rendition.proof || !names.has(rendition.proof)) continue; // renditions are conveniences; the original is the evidence
    const verified = await verifyBundleOnChain(await readJson(zip, rendition.proof), chainFor);
    renditions.push({ name: rendition.name, ok: verified.ok, checks: verified.checks });
  }
  return { evidenceId: item.evidenceId, sha256: item.sha256, ok: checks.every((c) => c.ok) && renditions.every((r) => r.ok), checks, renditions };
}
