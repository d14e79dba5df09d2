/**
 * Notarization (区块链+公证): a notary office certifies that an evidence leaf
 * is in a log head the office itself witnessed on chain (cosignHead). The
 * certificate is a statement signed with the office's chain key (EIP-191
 * personal_sign over the statement's JCS bytes), so anyone can check it with
 * the notary's address, the chain and the proof — never trusting Custos.
 *
 * Imports nothing from events or proof-bundle (they import this).
 * Pure: signature recovery is passed in (an adapter wraps ethers), the chain's
 * answers are passed in as an observation.
 */
import { z } from 'zod';
import { canonicalBytes } from './jcs';
import { actorSchema } from './actor';
import { parseHash } from './hex';
import { verifyInclusion } from './merkle';
import { failed, pass, type Check } from './checks';

export const NOTARIZATION_VERSION = 'custos.notarization/v1';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const address = z.string().regex(/^0x[0-9a-f]{40}$/, 'must be a lowercase 0x-prefixed address');
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const notarizationStatementSchema = z
  .object({
    version: z.literal(NOTARIZATION_VERSION),
    /** The notary office's own number, e.g. (2026)京长安证保字第00042号. */
    certificateNumber: z.string().min(1).max(64),
    notary: z.object({ address, name: z.string().min(1).max(200) }).strict(),
    evidence: z.object({ evidenceId: z.string().min(1).max(64), sha256: hex32, leafIndex: index, leafHash: hex32 }).strict(),
    /** The head the notary cosigned on chain; it includes the evidence leaf. */
    head: z.object({ treeSize: index.min(1), rootHash: hex32 }).strict(),
    issuedAt: z.iso.datetime(),
  })
  .strict()
  .refine((s) => s.evidence.leafIndex < s.head.treeSize, { message: 'the cosigned head must include the evidence leaf', path: ['head', 'treeSize'] });

export type NotarizationStatement = z.infer<typeof notarizationStatementSchema>;

const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte 0x-prefixed signature');

export const notaryCertifiedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('notary.certified'),
    evidenceId: z.string().min(1).max(64),
    statement: notarizationStatementSchema,
    signature,
    /** The notary account that filed it with Custos. */
    actor: actorSchema,
    at: z.iso.datetime({ offset: true }),
  })
  .strict();

export type NotaryCertifiedEvent = z.infer<typeof notaryCertifiedEventSchema>;

/** What a proof bundle carries per certificate: the signed statement and the leaf's inclusion in the cosigned head. */
export const notarizationProofSchema = z
  .object({
    statement: notarizationStatementSchema,
    signature,
    inclusionProof: z.array(hex32).max(64),
  })
  .strict();

export type NotarizationProof = z.infer<typeof notarizationProofSchema>;

/** The exact bytes the notary signs. */
export function statementBytes(statement: NotarizationStatement): Uint8Array {
  return canonicalBytes(statement);
}

/** Recovers the signer address (lowercase) of an EIP-191 signature over `message`, or null. */
export type RecoverSigner = (message: Uint8Array, signature: string) => string | null;

/** What the chain says about one notarization's head. */
export interface NotaryObservation {
  /** headAt(statement.head.treeSize): the anchored root, or null. */
  anchoredRoot: string | null;
  /** cosignedAt(treeSize, notary): seconds, 0 = never cosigned. */
  cosignedAt: number;
}

/**
 * The two checks of one certificate for the bundle's leaf:
 * notary-witness — the notary cosigned, on chain, the anchored head the leaf is in;
 * notary-certificate — the notary signed this statement about this leaf.
 */
export function notarizationChecks(
  proof: NotarizationProof,
  leaf: { leafIndex: number; leafHash: string; sha256?: string },
  seen: NotaryObservation | { unreachable: string },
  recover: RecoverSigner,
): Check[] {
  const { statement } = proof;
  const who = `notary ${statement.notary.name} (${statement.notary.address})`;
  const checks: Check[] = [];

  const included = verifyInclusion(
    leaf.leafIndex,
    statement.head.treeSize,
    parseHash(leaf.leafHash),
    proof.inclusionProof.map((h, i) => parseHash(h, `inclusionProof[${i}]`)),
    parseHash(statement.head.rootHash),
  );
  if ('unreachable' in seen) {
    checks.push(failed('notary-witness', 'CHAIN_UNAVAILABLE', `the chain could not be read: ${seen.unreachable}`));
  } else if (!included.ok) {
    checks.push(failed('notary-witness', included.code, `the leaf is not shown to be in the head of size ${statement.head.treeSize} the notary witnessed: ${included.message}`));
  } else if (seen.anchoredRoot !== statement.head.rootHash) {
    checks.push(failed('notary-witness', 'ANCHORED_ROOT_MISMATCH', `the chain anchors a different root at size ${statement.head.treeSize}`, statement.head.rootHash, seen.anchoredRoot ?? '(none)'));
  } else if (seen.cosignedAt === 0) {
    checks.push(failed('notary-witness', 'HEAD_NOT_COSIGNED', `${who} has not cosigned the head of size ${statement.head.treeSize} on chain`));
  } else {
    checks.push(pass('notary-witness', `head ${statement.head.treeSize} (which includes this leaf) witnessed on chain by ${who} on ${new Date(seen.cosignedAt * 1000).toISOString()}`));
  }

  const signer = recover(statementBytes(statement), proof.signature);
  const aboutThisLeaf =
    statement.evidence.leafIndex === leaf.leafIndex && statement.evidence.leafHash === leaf.leafHash && (leaf.sha256 === undefined || statement.evidence.sha256 === leaf.sha256);
  if (signer !== statement.notary.address) {
    checks.push(failed('notary-certificate', 'NOTARY_SIGNATURE_INVALID', `certificate ${statement.certificateNumber} is not signed by ${who}`, statement.notary.address, signer ?? '(no signer)'));
  } else if (!aboutThisLeaf) {
    checks.push(
      failed('notary-certificate', 'CERTIFICATE_NOT_FOR_THIS_LEAF', `certificate ${statement.certificateNumber} is about another record`, `${leaf.leafIndex} ${leaf.leafHash}`, `${statement.evidence.leafIndex} ${statement.evidence.leafHash}`),
    );
  } else {
    checks.push(pass('notary-certificate', `certified by ${who}, certificate ${statement.certificateNumber}, issued ${statement.issuedAt}`));
  }
  return checks;
}
