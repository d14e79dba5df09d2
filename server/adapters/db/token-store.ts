/**
 * Bearer tokens. Only SHA-256 of each secret is stored: a copy of the database
 * does not let anyone act as a user. Secrets are 32 random bytes, so a plain
 * hash (no slow KDF) is enough.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { AppError } from '../../core/errors';
import { publicKeyObject } from '../../core/device-signature';

import { ROLES, isRole, type Role } from '../../core/permissions';

export { ROLES, isRole, type Role };

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  /** The holder's unit (9-digit department code): officers see their own unit's cases. */
  unit: string | null;
  /** An officer's law-enforcement certificate number: only certified officers open cases or attach evidence. */
  certificate: string | null;
  /** The account's Ed25519 public key (base64): its review decisions are signed with the matching private key. */
  publicKey: string | null;
}

export interface TokenHolder {
  unit?: string;
  certificate?: string;
  publicKey?: string;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  revoked_at: string | null;
  unit: string | null;
  certificate: string | null;
  public_key: string | null;
}

const TOKEN_PREFIX = 'cus_';
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const toRecord = (row: Row): TokenRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  unit: row.unit,
  certificate: row.certificate,
  publicKey: row.public_key,
});

export class TokenStore {
  private readonly insertStmt: Statement<[string, string, string, string, string, string | null, string | null, string | null]>;
  private readonly byHashStmt: Statement<[string], Row>;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly byIdStmt: Statement<[string], Row>;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO tokens (id, name, role, token_hash, created_at, unit, certificate, public_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.byHashStmt = db.prepare('SELECT id, name, role, created_at, revoked_at, unit, certificate, public_key FROM tokens WHERE token_hash = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM tokens');
    this.byIdStmt = db.prepare('SELECT id, name, role, created_at, revoked_at, unit, certificate, public_key FROM tokens WHERE id = ?');
  }

  /** Mints a token; the secret is returned once and never stored. */
  create(name: string, role: Role, now = new Date(), holder: TokenHolder = {}): { secret: string; token: TokenRecord } {
    if (holder.unit !== undefined && !/^\d{9}$/.test(holder.unit)) throw new AppError('BAD_REQUEST', 'a unit is its 9-digit department code');
    if (holder.certificate !== undefined && !/^[0-9A-Za-z-]{4,32}$/.test(holder.certificate)) throw new AppError('BAD_REQUEST', 'a certificate number is 4–32 letters, digits or dashes');
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = `tok_${randomUUID()}`;
    if (holder.publicKey !== undefined) publicKeyObject(holder.publicKey); // refuses anything but a raw Ed25519 key
    const unit = holder.unit ?? null;
    const certificate = holder.certificate ?? null;
    const publicKey = holder.publicKey ?? null;
    this.insertStmt.run(id, name, role, hashSecret(secret), now.toISOString(), unit, certificate, publicKey);
    return { secret, token: { id, name, role, createdAt: now.toISOString(), revokedAt: null, unit, certificate, publicKey } };
  }

  /** The live token for a presented secret, or null (unknown or revoked). */
  authenticate(secret: string): TokenRecord | null {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 128) return null;
    const row = this.byHashStmt.get(hashSecret(secret));
    if (!row || row.revoked_at !== null) return null;
    return toRecord(row);
  }

  /** A token by its id (revoked ones too): shares name their court account by id. */
  byId(id: string): TokenRecord | null {
    const row = this.byIdStmt.get(id);
    return row ? toRecord(row) : null;
  }

  count(): number {
    return this.countStmt.get()!.n;
  }
}
