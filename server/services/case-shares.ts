/**
 * Sharing a case with a court: a share names one court account and an expiry,
 * and can be revoked early. Creating and revoking are custody events; while a
 * share is live the court reads the case, its attached evidence, proofs and
 * content (each read logged like anyone's). Expiry needs no event: it was
 * logged with the share.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors';
import type { Db } from '../adapters/db/database';
import type { ShareRow, ShareStore } from '../adapters/db/share-store';
import type { TokenRecord, TokenStore } from '../adapters/db/token-store';
import { statedPurpose, type Custody } from './custody';
import type { Cases } from './cases';

/** Longest share: a court's review rarely needs more; renew with a new share. */
const MAX_SHARE_MS = 366 * 86_400_000;

export interface CaseSharesComponents {
  db: Db;
  shares: ShareStore;
  tokens: TokenStore;
  custody: Custody;
  cases: Cases;
  now?: () => Date;
}

export function createCaseShares({ db, shares, tokens, custody, cases, now = () => new Date() }: CaseSharesComponents) {
  const shareView = (row: ShareRow, at = now().toISOString()) => {
    const court = tokens.byId(row.courtTokenId);
    return {
      id: row.id,
      caseCode: row.caseCode,
      court: { tokenId: row.courtTokenId, name: court?.name ?? '(unknown)' },
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      shareLeaf: row.shareLeaf,
      ...(row.revokedAt ? { revokedAt: row.revokedAt, revokeLeaf: row.revokeLeaf } : {}),
      state: row.revokedAt ? 'revoked' : row.expiresAt <= at ? 'expired' : 'active',
    };
  };

  /** Shares are made and revoked by a certified officer of the case's unit, or an admin. */
  function requireSharer(token: TokenRecord): void {
    if (token.role !== 'admin') cases.requireCertified(token);
  }

  return {
    view: shareView,
    list(token: TokenRecord, code: string) {
      const row = cases.find(code, token);
      return shares.forCase(row.code).map((s) => shareView(s));
    },
    create(token: TokenRecord, code: string, input: { courtTokenId?: unknown; expiresAt?: unknown; purpose?: unknown }) {
      requireSharer(token);
      const row = cases.find(code, token);
      const court = typeof input.courtTokenId === 'string' ? tokens.byId(input.courtTokenId) : null;
      if (!court || court.revokedAt) throw new AppError('NOT_A_COURT', `no live account ${String(input.courtTokenId)}`);
      if (court.role !== 'court') throw new AppError('NOT_A_COURT', `account ${court.id} is a ${court.role} account; cases are shared with court accounts`);
      const at = now();
      const expires = typeof input.expiresAt === 'string' && /^\d{4}-\d\d-\d\dT/.test(input.expiresAt) ? new Date(input.expiresAt) : null;
      if (!expires || Number.isNaN(expires.getTime())) throw new AppError('BAD_REQUEST', 'expiresAt is an ISO 8601 date-time');
      if (expires.getTime() <= at.getTime()) throw new AppError('BAD_REQUEST', 'expiresAt is in the past');
      if (expires.getTime() - at.getTime() > MAX_SHARE_MS) throw new AppError('BAD_REQUEST', 'a share lasts at most 366 days; share again to extend it');
      const purpose = statedPurpose(input.purpose, 'the share');
      const id = `sh_${randomUUID()}`;
      const expiresAt = expires.toISOString();
      const event = custody.event('custody.share', token, { caseCode: row.code, share: { id, court: { tokenId: court.id, name: court.name }, expiresAt }, purpose });
      custody.record(event, (leaf) => shares.insert({ id, caseCode: row.code, courtTokenId: court.id, expiresAt, createdAt: event.at, shareLeaf: leaf }));
      return shareView(shares.byId(id)!);
    },
    revoke(token: TokenRecord, code: string, shareId: string, reason: unknown) {
      requireSharer(token);
      const row = cases.find(code, token);
      const share = shares.byId(shareId);
      if (!share || share.caseCode !== row.code) throw new AppError('SHARE_NOT_FOUND', `case ${row.code} has no share ${shareId}`);
      if (share.revokedAt) return shareView(share);
      const court = tokens.byId(share.courtTokenId);
      const event = custody.event('custody.unshare', token, {
        caseCode: row.code,
        share: { id: share.id, court: { tokenId: share.courtTokenId, name: court?.name ?? '(unknown)' }, expiresAt: share.expiresAt },
        purpose: statedPurpose(reason, 'the revocation'),
      });
      custody.record(event, (leaf) => {
        shares.revoke(share.id, event.at, leaf);
      });
      return shareView(shares.byId(share.id)!);
    },
  };
}

export type CaseShares = ReturnType<typeof createCaseShares>;

/** Object-level access: whether `token` may see this evidence at all (courts: only what is shared with them). */
export function evidenceVisible(shares: ShareStore, token: TokenRecord, evidenceId: string, now = new Date()): boolean {
  return token.role !== 'court' || shares.evidenceSharedWith(token.id, evidenceId, now.toISOString());
}
