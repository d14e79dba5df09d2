/**
 * Chain of custody: every attach, detach, status change, note and every read of
 * evidence content, renditions, segments and proofs is a `custody.*` event in
 * the log (who, role, certificate, what, stated purpose, when), indexed by
 * evidence and case. Nothing on that list is served without its event: the
 * event is appended before the bytes go out.
 */
import { AppError } from '../core/errors';
import { EVENT_VERSION } from '../core/events';
import type { CustodyEvent } from '../core/case-events';
import type { Db } from '../adapters/db/database';
import type { CustodyStore } from '../adapters/db/custody-store';
import type { LogStore } from '../adapters/db/log-store';
import type { TokenRecord } from '../adapters/db/token-store';

export interface CustodyComponents {
  db: Db;
  log: LogStore;
  custody: CustodyStore;
  now?: () => Date;
}

export type CustodyFields = Omit<CustodyEvent, 'version' | 'type' | 'actor' | 'certificate' | 'at'>;

export function createCustody({ db, log, custody, now = () => new Date() }: CustodyComponents) {
  const append = db.transaction((event: CustodyEvent, apply?: (leafIndex: number) => void): number => {
    const { leafIndex } = log.append(event, event.at);
    custody.index(event, leafIndex);
    apply?.(leafIndex);
    return leafIndex;
  });

  return {
    /** The event for `token` doing `type`; not yet logged. */
    event(type: CustodyEvent['type'], token: TokenRecord, fields: CustodyFields): CustodyEvent {
      return {
        version: EVENT_VERSION,
        type,
        actor: { tokenId: token.id, name: token.name, role: token.role },
        ...(token.certificate ? { certificate: token.certificate } : {}),
        ...fields,
        at: now().toISOString(),
      };
    },
    /** Logs the event (and runs `apply` in the same transaction); returns its leaf index. */
    record(event: CustodyEvent, apply?: (leafIndex: number) => void): number {
      return append(event, apply);
    },
  };
}

export type Custody = ReturnType<typeof createCustody>;

/** A stated purpose: required to read content, logged with every custody event. */
export function statedPurpose(purpose: unknown, what = 'this'): string {
  if (typeof purpose !== 'string' || purpose.trim() === '' || purpose.length > 1000) {
    throw new AppError('PURPOSE_REQUIRED', `state the purpose of ${what} (1–1000 characters, ?purpose= or Custos-Purpose): it is logged with the action`);
  }
  return purpose.trim();
}
