/**
 * Review decisions are signed by the reviewer's own account key (Ed25519, the
 * same key format as recorders': `custos-recorder keygen`), registered with
 * the account (`custos token create --public-key`). The signature travels in
 * the logged custody.review event, so anyone can check later, offline, that
 * this account took exactly this decision on exactly this evidence set.
 *
 * What is signed: the JCS canonical JSON of
 *   {"context": "custos.review-signature/v1", "caseCode", "round", "stage", "decision", "reason"?, "evidenceIds"}
 */
import { createPrivateKey, sign, verify } from 'node:crypto';
import { AppError } from './errors';
import { canonicalBytes } from './jcs';
import { DEVICE_KEY_ALGORITHM, publicKeyObject } from './device-signature';

export const REVIEW_SIGNATURE_CONTEXT = 'custos.review-signature/v1';

export interface ReviewStatement {
  caseCode: string;
  round: number;
  stage: string;
  decision: 'approve' | 'reject';
  reason?: string;
  evidenceIds: readonly string[];
}

export function reviewPayload(statement: ReviewStatement): Uint8Array {
  const { caseCode, round, stage, decision, reason, evidenceIds } = statement;
  return canonicalBytes({ context: REVIEW_SIGNATURE_CONTEXT, caseCode, round, stage, decision, ...(reason !== undefined ? { reason } : {}), evidenceIds });
}

/** Never throws for a bad signature or key: false. */
export function verifyReviewSignature(publicKey: string, value: string, statement: ReviewStatement): boolean {
  try {
    const bytes = Buffer.from(value, 'base64');
    return bytes.length === 64 && verify(null, reviewPayload(statement), publicKeyObject(publicKey), bytes);
  } catch {
    return false;
  }
}

/** Signs a decision with the account's PKCS#8 PEM private key; returns the signature, base64. */
export function signReview(privateKeyPem: string, statement: ReviewStatement): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== DEVICE_KEY_ALGORITHM) throw new AppError('INVALID_DEVICE_KEY', `an account key must be ${DEVICE_KEY_ALGORITHM}`);
  return sign(null, reviewPayload(statement), key).toString('base64');
}
