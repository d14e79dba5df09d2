/**
 * The proof bundle: everything a verifier needs, apart from the file itself and
 * a JSON-RPC endpoint of the chain, to prove that a recording was logged and
 * that the log head containing it was anchored. Format `custos.proof/v1`,
 * documented field by field in docs/proof-bundle.md.
 */
import { z } from 'zod';
import { AppError } from './errors';
import { MAX_PROOF_LENGTH } from './merkle';
import { parseLogEvent, type LogEvent } from './events';
import { notarizationProofSchema, type NotarizationProof } from './notarization';

export const PROOF_BUNDLE_VERSION = 'custos.proof/v1';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const anchorSchema = z
  .object({
    chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    contract: z.string().regex(/^0x[0-9a-f]{40}$/, 'must be a lowercase 0x-prefixed address'),
    txHash: z.string().regex(/^0x[0-9a-f]{64}$/, 'must be a lowercase 0x-prefixed transaction hash'),
    blockNumber: index,
    anchoredAt: z.iso.datetime(),
  })
  .strict();

export type Anchor = z.infer<typeof anchorSchema>;

const bundleSchema = z
  .object({
    version: z.literal(PROOF_BUNDLE_VERSION),
    event: z.record(z.string(), z.unknown()),
    leafIndex: index,
    leafHash: hex32,
    treeSize: index.min(1),
    rootHash: hex32,
    inclusionProof: z.array(hex32).max(MAX_PROOF_LENGTH),
    anchor: anchorSchema,
    /** For a rendition: the bundle of the original it was derived from (parsed on its own, one level deep). */
    derivedFrom: z.record(z.string(), z.unknown()).optional(),
    /** Notary certificates of this evidence (custos.notarization/v1), each with the leaf's inclusion in the head the notary cosigned. */
    notarizations: z.array(notarizationProofSchema).max(100).optional(),
  })
  .strict()
  .refine((b) => b.leafIndex < b.treeSize, { message: 'leafIndex must be below treeSize', path: ['leafIndex'] });

export interface ProofBundle {
  version: typeof PROOF_BUNDLE_VERSION;
  event: LogEvent;
  leafIndex: number;
  leafHash: string;
  treeSize: number;
  rootHash: string;
  inclusionProof: string[];
  anchor: Anchor;
  derivedFrom?: ProofBundle;
  notarizations?: NotarizationProof[];
}

/** Parses an untrusted bundle. Every field is attacker-controlled: check shape and ranges before using any. */
export function parseProofBundle(value: unknown, depth = 0): ProofBundle {
  const result = bundleSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AppError('INVALID_PROOF_BUNDLE', `invalid proof bundle: ${problems.join('; ')}`, { details: { problems } });
  }
  const event = parseLogEvent((value as { event: unknown }).event);
  const { derivedFrom, ...rest } = result.data;
  if (derivedFrom === undefined) return { ...(rest as Omit<ProofBundle, 'event'>), event };
  // A rendition's original is an original: no chains of derivations to follow.
  if (depth > 0) throw new AppError('INVALID_PROOF_BUNDLE', 'invalid proof bundle: derivedFrom.derivedFrom: an original has no derivedFrom');
  return { ...(rest as Omit<ProofBundle, 'event'>), event, derivedFrom: parseProofBundle(derivedFrom, depth + 1) };
}

/** Seconds since the epoch (block.timestamp) as the ISO-8601 string bundles carry. */
export function formatChainTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
