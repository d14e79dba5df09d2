/** Review accounts with their own keys, and signed decisions, as a reviewer's client makes them. */
import { generateDeviceKey } from '../../server/core/device-signature';
import { signReview } from '../../server/core/review-signature';
import type { TokenHolder, TokenStore } from '../../server/adapters/db/token-store';
import type { Role } from '../../server/core/permissions';
import { getJson, postJson } from './server';

export interface ReviewAccount {
  secret: string;
  id: string;
  privateKeyPem: string;
}

export function reviewAccount(tokens: TokenStore, name: string, role: Role, holder: TokenHolder = {}): ReviewAccount {
  const key = generateDeviceKey();
  const { secret, token } = tokens.create(name, role, new Date(), { ...holder, publicKey: key.publicKey });
  return { secret, id: token.id, privateKeyPem: key.privateKeyPem };
}

/** Reads the case's review state, signs the decision with the account's key and files it. */
export async function signedDecision(url: string, code: string, account: ReviewAccount, stage: string, decision = 'approve', reason?: string): Promise<{ status: number; body: any }> {
  const view = (await getJson(`${url}/v1/cases/${code}`, account.secret)).body;
  const round = view.review?.round ?? 1;
  const evidenceIds = view.review?.evidenceIds ?? [];
  const statement = { caseCode: code, round, stage, decision: decision as 'approve' | 'reject', ...(reason ? { reason } : {}), evidenceIds };
  const signature = signReview(account.privateKeyPem, statement);
  return postJson(`${url}/v1/cases/${code}/reviews`, { stage, decision, ...(reason ? { reason } : {}), signature }, account.secret);
}
