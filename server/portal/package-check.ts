/**
 * A case-file package checked in the browser: its manifest must be the one
 * its case.packaged event names (that event's proof checked here and on the
 * chain), and every item's proof must verify, for the media in the package
 * when it has them. The package is read in memory: for packages of many
 * gigabytes, `custos verify --package` streams instead.
 */
import { unzipSync } from 'fflate';
import { sha256 } from 'hash-wasm';
import { checkInclusion } from './inclusion';

export interface RemoteCheck {
  check: string;
  ok: boolean;
  code?: string;
  message: string;
}
export type VerifyRemote = (bundle: unknown) => Promise<{ ok: boolean; checks: RemoteCheck[] }>;

export interface PackageItemResult {
  evidenceId: string;
  sha256: string;
  ok: boolean;
  /** Failed checks by name (local and chain). */
  failed: string[];
}
export interface PackageResult {
  caseCode: string | null;
  manifestOk: boolean;
  manifestFailed: string[];
  items: PackageItemResult[];
  ok: boolean;
}

interface ManifestItem {
  evidenceId: string;
  sha256: string;
  proof: string | null;
  media: string | null;
}

const json = (bytes: Uint8Array | undefined): unknown => (bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined);

/** A bundle checked both ways: the inclusion proof here, everything else against the chain by the service. */
async function bundleFailures(bundle: unknown, remote: VerifyRemote): Promise<string[]> {
  const failed: string[] = [];
  const local = await checkInclusion(bundle as Parameters<typeof checkInclusion>[0]).catch(() => ({ ok: false }));
  if (!local.ok) failed.push('local-inclusion');
  const answer = await remote(bundle);
  failed.push(...answer.checks.filter((c) => !c.ok).map((c) => c.code ?? c.check));
  return failed;
}

export async function checkPackage(zip: Uint8Array, remote: VerifyRemote): Promise<PackageResult> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch {
    return { caseCode: null, manifestOk: false, manifestFailed: ['NOT_A_ZIP'], items: [], ok: false };
  }
  const manifestBytes = files['manifest.json'];
  const manifest = json(manifestBytes) as { version?: string; case?: { code?: string }; items?: ManifestItem[] } | undefined;
  if (!manifestBytes || manifest?.version !== 'custos.case-package/v1' || !Array.isArray(manifest.items)) {
    return { caseCode: null, manifestOk: false, manifestFailed: ['MANIFEST_INVALID'], items: [], ok: false };
  }
  const manifestFailed: string[] = [];
  const manifestProof = json(files['proofs/manifest.json']) as { event?: { type?: string; manifestSha256?: string; caseCode?: string } } | undefined;
  if (!manifestProof) manifestFailed.push('MANIFEST_PROOF_MISSING');
  else {
    const event = manifestProof.event;
    if (event?.type !== 'case.packaged' || event.manifestSha256 !== (await sha256(manifestBytes)) || event.caseCode !== manifest.case?.code) manifestFailed.push('MANIFEST_HASH_MISMATCH');
    manifestFailed.push(...(await bundleFailures(manifestProof, remote)));
  }

  const items: PackageItemResult[] = [];
  for (const item of manifest.items) {
    const failed: string[] = [];
    const bundle = item.proof ? (json(files[item.proof]) as { event?: { evidenceId?: string; sha256?: string } } | undefined) : undefined;
    if (!bundle) failed.push(item.proof ? 'PROOF_MISSING' : 'NOT_ANCHORED');
    else {
      if (bundle.event?.evidenceId !== item.evidenceId || bundle.event.sha256 !== item.sha256) failed.push('PROOF_NOT_OF_ITEM');
      failed.push(...(await bundleFailures(bundle, remote)));
    }
    if (item.media) {
      const media = files[item.media];
      if (!media) failed.push('MEDIA_MISSING');
      else if ((await sha256(media)) !== item.sha256) failed.push('CONTENT_HASH_MISMATCH');
    }
    items.push({ evidenceId: item.evidenceId, sha256: item.sha256, ok: failed.length === 0, failed });
  }
  return { caseCode: manifest.case?.code ?? null, manifestOk: manifestFailed.length === 0, manifestFailed, items, ok: manifestFailed.length === 0 && items.every((i) => i.ok) };
}
