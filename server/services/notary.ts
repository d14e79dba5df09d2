/**
 * Preservation certificates (公证保全证书): a notary account files a statement
 * signed with its office's chain key about one evidence leaf and a head the
 * office cosigned on chain. Everything is checked before the notary.certified
 * event is logged: the statement names this evidence exactly, the signature is
 * the office's, the office holds NOTARY_ROLE, it cosigned that head, and the
 * head is our log's (anchored) root at that size, containing the leaf.
 */
import { AppError, isAppError } from '../core/errors';
import { EVENT_VERSION } from '../core/events';
import { toHex } from '../core/hex';
import { notarizationStatementSchema, statementBytes, type NotarizationProof, type NotaryCertifiedEvent, type RecoverSigner } from '../core/notarization';
import type { Db } from '../adapters/db/database';
import type { EvidenceStore } from '../adapters/db/evidence-store';
import type { LogStore } from '../adapters/db/log-store';
import type { NotarizationStore } from '../adapters/db/notarization-store';
import type { CustodyStore } from '../adapters/db/custody-store';
import type { TokenRecord } from '../adapters/db/token-store';
import type { ChainAnchor } from '../ports';

export interface NotaryComponents {
  db: Db;
  log: LogStore;
  evidence: EvidenceStore;
  notarizations: NotarizationStore;
  /** Certifications appear in the evidence's custody history too. */
  custody: CustodyStore;
  chain: ChainAnchor;
  recover: RecoverSigner;
  now?: () => Date;
}

export function createNotary({ db, log, evidence, notarizations, custody, chain, recover, now = () => new Date() }: NotaryComponents) {
  const record = db.transaction((event: NotaryCertifiedEvent): number => {
    const { statement } = event;
    if (notarizations.exists(statement.notary.address, statement.certificateNumber)) {
      throw new AppError('CERTIFICATE_EXISTS', `notary ${statement.notary.address} already filed certificate ${statement.certificateNumber}`);
    }
    const { leafIndex } = log.append(event, event.at);
    notarizations.insert(leafIndex, statement, event.signature);
    custody.index(event, leafIndex);
    return leafIndex;
  });

  return {
    async certify(token: TokenRecord, evidenceId: string, input: { statement?: unknown; signature?: unknown }) {
      const row = evidence.byId(evidenceId);
      if (!row) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${evidenceId}`);
      const parsed = notarizationStatementSchema.safeParse(input.statement);
      if (!parsed.success) {
        throw new AppError('BAD_REQUEST', `invalid statement: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const statement = parsed.data;
      if (typeof input.signature !== 'string') throw new AppError('BAD_REQUEST', 'signature is the notary key’s EIP-191 signature over the statement’s JCS bytes');
      const leafHash = log.leafHash(row.leafIndex);
      const expected = { evidenceId: row.id, sha256: row.sha256, leafIndex: row.leafIndex, leafHash: leafHash ? toHex(leafHash) : '' };
      if (JSON.stringify(statement.evidence) !== JSON.stringify(expected)) {
        throw new AppError('BAD_REQUEST', 'the statement does not name this evidence exactly (evidenceId, sha256, leafIndex, leafHash)', { details: { expected } });
      }
      const signer = recover(statementBytes(statement), input.signature);
      if (signer !== statement.notary.address) {
        throw new AppError('NOTARY_SIGNATURE_INVALID', `the signature is not ${statement.notary.address}'s over this statement`, { details: { signer } });
      }
      const { treeSize, rootHash } = statement.head;
      if (treeSize > log.size() || toHex(log.root(treeSize)) !== rootHash) {
        throw new AppError('BAD_REQUEST', `the statement's head (${treeSize}, ${rootHash}) is not this log's head at that size`);
      }
      let isNotary: boolean;
      let cosignedAt: number;
      try {
        [isNotary, cosignedAt] = await Promise.all([chain.isNotary(statement.notary.address), chain.cosignedAt(treeSize, statement.notary.address)]);
      } catch (error) {
        if (isAppError(error)) throw new AppError('CHAIN_UNAVAILABLE', `the chain could not confirm the notary: ${error.message}`, { cause: error });
        throw error;
      }
      if (!isNotary) throw new AppError('NOTARY_NOT_AUTHORIZED', `${statement.notary.address} does not hold NOTARY_ROLE on the contract`);
      if (cosignedAt === 0) {
        throw new AppError('HEAD_NOT_COSIGNED', `${statement.notary.address} has not cosigned the head of size ${treeSize}: cosign it first (custos notary cosign)`);
      }
      const event: NotaryCertifiedEvent = {
        version: EVENT_VERSION,
        type: 'notary.certified',
        evidenceId: row.id,
        statement,
        signature: input.signature.toLowerCase(),
        actor: { tokenId: token.id, name: token.name, role: token.role },
        at: now().toISOString(),
      };
      const leafIndex = record(event);
      return { leafIndex, event };
    },

    /** What a proof bundle carries for the evidence logged at `evidenceLeaf`. */
    proofsFor(evidenceLeaf: number): NotarizationProof[] {
      return notarizations.forEvidenceLeaf(evidenceLeaf).map((n) => ({
        statement: n.statement,
        signature: n.signature,
        inclusionProof: log.inclusionProof(evidenceLeaf, n.statement.head.treeSize).map(toHex),
      }));
    },
  };
}

export type Notary = ReturnType<typeof createNotary>;
