/**
 * Cases: opened by a certified officer under the next action code of the
 * officer's unit, action type and day (the sequence is taken inside the write
 * transaction, so concurrent openings never share a code); evidence attached
 * and detached with a stated purpose, each a logged custody event. Detaching
 * never deletes evidence.
 */
import { AppError } from '../core/errors';
import { EVENT_VERSION, type Actor } from '../core/events';
import { ACTION_TYPES, ISO_7064_MOD_11_10, actionDate, formatActionCode } from '../core/action-code';
import { CASE_STATUSES, STATUS_TRANSITIONS, type CaseOpenedEvent, type CaseStatus } from '../core/case-events';
import type { Db } from '../adapters/db/database';
import type { CaseRow, CaseStore } from '../adapters/db/case-store';
import type { EvidenceStore } from '../adapters/db/evidence-store';
import type { LogStore } from '../adapters/db/log-store';
import type { ShareStore } from '../adapters/db/share-store';
import type { TokenRecord } from '../adapters/db/token-store';
import { statedPurpose, type Custody } from './custody';

export interface CaseComponents {
  db: Db;
  log: LogStore;
  cases: CaseStore;
  evidence: EvidenceStore;
  custody: Custody;
  shares: ShareStore;
  actionTypes?: Readonly<Record<string, { en: string; zh: string }>>;
  /** Whether the review chain has approved the case's current evidence: a case is decided only then. */
  reviewComplete: (code: string) => boolean;
  now?: () => Date;
}

const actorOf = (token: TokenRecord): Actor => ({ tokenId: token.id, name: token.name, role: token.role });

export function createCases({ db, log, cases, evidence, custody, shares, actionTypes = ACTION_TYPES, reviewComplete, now = () => new Date() }: CaseComponents) {
  const open = db.transaction((token: TokenRecord, actionType: string, title: string, custom: string): CaseRow => {
    const at = now();
    const date = actionDate(at);
    const sequence = cases.nextSequence(token.unit!, actionType, date);
    if (sequence > 9999) throw new AppError('BAD_REQUEST', `unit ${token.unit} has opened 9999 ${actionType} cases today: the action code has no room for more`);
    const code = formatActionCode({ actionType, department: token.unit!, date, sequence, custom }, ISO_7064_MOD_11_10, actionTypes);
    const event: CaseOpenedEvent = {
      version: EVENT_VERSION,
      type: 'case.opened',
      code,
      actionType,
      unit: token.unit!,
      title,
      openedBy: actorOf(token),
      certificate: token.certificate!,
      openedAt: at.toISOString(),
    };
    const { leafIndex } = log.append(event, event.openedAt);
    cases.insert(event, date, sequence, leafIndex);
    return cases.byCode(code)!;
  });

  /** Only certified officers act on cases. */
  function requireCertified(token: TokenRecord): void {
    if (token.role !== 'officer' || !token.certificate || !token.unit) {
      throw new AppError('OFFICER_NOT_CERTIFIED', 'only an officer with an enforcement certificate number and a unit may open cases or attach evidence');
    }
  }

  /**
   * Officers see their own unit's cases and a court only the cases shared with
   * it (unexpired, unrevoked); any other case does not exist for them.
   */
  function find(code: string, token: TokenRecord): CaseRow {
    const row = /^\d{27}$/.test(code) ? cases.byCode(code) : null;
    const hidden =
      !row ||
      (token.role === 'officer' && token.unit !== row.unit) ||
      (token.role === 'court' && !shares.caseSharedWith(token.id, row.code, now().toISOString()));
    if (hidden) throw new AppError('CASE_NOT_FOUND', `no case ${code}`);
    return row;
  }


  return {
    find,
    requireCertified,
    actionTypes,
    open(token: TokenRecord, input: { actionType?: unknown; title?: unknown; custom?: unknown }): CaseRow {
      requireCertified(token);
      if (typeof input.actionType !== 'string' || !actionTypes[input.actionType]) {
        throw new AppError('BAD_REQUEST', `actionType is one of ${Object.entries(actionTypes).map(([k, v]) => `${k} (${v.en}, ${v.zh})`).join(', ')}`);
      }
      if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > 500) throw new AppError('BAD_REQUEST', 'title is 1–500 characters');
      const custom = input.custom === undefined ? '00000' : input.custom;
      if (typeof custom !== 'string' || !/^\d{5}$/.test(custom)) throw new AppError('BAD_REQUEST', 'custom is 5 digits');
      return open(token, input.actionType, input.title.trim(), custom);
    },
    attach(token: TokenRecord, code: string, evidenceId: unknown, purpose: unknown) {
      requireCertified(token);
      const row = find(code, token);
      if (typeof evidenceId !== 'string' || !evidence.byId(evidenceId)) throw new AppError('EVIDENCE_NOT_FOUND', `no evidence with id ${String(evidenceId)}`);
      const stated = statedPurpose(purpose);
      if (cases.activeAttachment(row.code, evidenceId)) throw new AppError('ALREADY_ATTACHED', `evidence ${evidenceId} is already attached to case ${row.code}`);
      const event = custody.event('custody.attach', token, { caseCode: row.code, evidenceId, purpose: stated });
      custody.record(event, (leaf) => cases.attach(row.code, evidenceId, event.at, leaf));
      return cases.activeAttachment(row.code, evidenceId)!;
    },
    /** Moves a case along STATUS_TRANSITIONS; the reason is logged as the purpose. */
    setStatus(token: TokenRecord, code: string, to: unknown, reason: unknown): CaseRow {
      const row = find(code, token);
      if (typeof to !== 'string' || !(CASE_STATUSES as readonly string[]).includes(to)) throw new AppError('BAD_REQUEST', `status is one of ${CASE_STATUSES.join(', ')}`);
      const next = to as CaseStatus;
      if (!STATUS_TRANSITIONS[row.status].includes(next)) {
        throw new AppError('INVALID_STATUS_CHANGE', `a case that is ${row.status} can go to ${STATUS_TRANSITIONS[row.status].join(' or ') || 'nothing (archived is final)'}, not ${next}`);
      }
      if (next === 'decided' && !reviewComplete(row.code)) {
        throw new AppError('REVIEW_INCOMPLETE', `case ${row.code} is decided only after every review stage has approved its current evidence (GET /v1/cases/${row.code} shows the next stage)`);
      }
      const event = custody.event('custody.status', token, { caseCode: row.code, status: { from: row.status, to: next }, purpose: statedPurpose(reason) });
      custody.record(event, () => {
        if (!cases.setStatus(row.code, row.status, next)) throw new AppError('INVALID_STATUS_CHANGE', `case ${row.code} changed status meanwhile; reload it`);
      });
      return cases.byCode(row.code)!;
    },
    /** A case note is a logged event: notes cannot be edited or removed. */
    addNote(token: TokenRecord, code: string, text: unknown): number {
      const row = find(code, token);
      if (typeof text !== 'string' || text.trim() === '' || text.length > 10_000) throw new AppError('BAD_REQUEST', 'a note is 1–10000 characters');
      return custody.record(custody.event('custody.note', token, { caseCode: row.code, note: text.trim(), purpose: 'case note' }), () => undefined);
    },
    detach(token: TokenRecord, code: string, evidenceId: string, purpose: unknown) {
      requireCertified(token);
      const row = find(code, token);
      const stated = statedPurpose(purpose);
      if (!cases.activeAttachment(row.code, evidenceId)) throw new AppError('NOT_ATTACHED', `evidence ${evidenceId} is not attached to case ${row.code}`);
      const event = custody.event('custody.detach', token, { caseCode: row.code, evidenceId, purpose: stated });
      custody.record(event, (leaf) => cases.detach(row.code, evidenceId, event.at, leaf));
    },
  };
}

export type Cases = ReturnType<typeof createCases>;
