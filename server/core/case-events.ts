/**
 * Case events. `case.opened` names a new case (its action code); custody
 * events record who did what to which object, with the stated purpose, so a
 * court can ask not only "is this the recording?" but "who had it, and why?".
 * Logged: attach, detach, status changes, notes, reads, shares and their
 * revocation, review decisions; an export (a case-file package) is a
 * `case.packaged` event naming the package's manifest by its SHA-256.
 */
import { z } from 'zod';
import { actorSchema } from './actor';
import { deviceSignatureSchema } from './device-signature';

const isoDateTime = z.iso.datetime({ offset: true });
const code = z.string().regex(/^\d{27}$/);

export const caseOpenedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('case.opened'),
    code,
    actionType: z.string().regex(/^\d{2}$/),
    unit: z.string().regex(/^\d{9}$/),
    title: z.string().min(1).max(500),
    openedBy: actorSchema,
    certificate: z.string().min(1).max(32),
    openedAt: isoDateTime,
  })
  .strict();

export const CUSTODY_ACTIONS = ['attach', 'detach', 'status', 'note', 'read', 'share', 'unshare', 'review'] as const;

/** What a custody.read event read. */
export const READ_OBJECTS = ['content', 'rendition', 'proof', 'segment', 'recording', 'package'] as const;

export const CASE_STATUSES = ['open', 'under-review', 'decided', 'archived'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Where a case may go from each status: forward, or back to the officer from review. */
export const STATUS_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['under-review'],
  'under-review': ['open', 'decided'],
  decided: ['archived'],
  archived: [],
};
export type CustodyAction = (typeof CUSTODY_ACTIONS)[number];

export const custodyEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.enum(CUSTODY_ACTIONS.map((a) => `custody.${a}`) as [`custody.${CustodyAction}`, ...Array<`custody.${CustodyAction}`>]),
    actor: actorSchema,
    certificate: z.string().min(1).max(32).optional(),
    caseCode: code.optional(),
    evidenceId: z.string().min(1).max(64).optional(),
    status: z.object({ from: z.enum(CASE_STATUSES), to: z.enum(CASE_STATUSES) }).strict().optional(),
    note: z.string().min(1).max(10_000).optional(),
    read: z
      .object({
        object: z.enum(READ_OBJECTS),
        rendition: z.string().max(32).optional(),
        recordingId: z.string().max(64).optional(),
        sequence: z.number().int().nonnegative().optional(),
        /** The byte range served, for a ranged read. */
        range: z.string().max(64).optional(),
      })
      .strict()
      .optional(),
    /** custody.share / custody.unshare: which share, with which court account, until when. */
    share: z
      .object({
        id: z.string().regex(/^sh_[0-9a-f-]{36}$/),
        court: z.object({ tokenId: z.string().min(1), name: z.string().min(1) }).strict(),
        expiresAt: isoDateTime,
      })
      .strict()
      .optional(),
    /** custody.review: one stage's decision on the case's evidence set. */
    review: z
      .object({
        round: z.number().int().positive(),
        stage: z.string().min(1).max(64),
        stageIndex: z.number().int().nonnegative(),
        decision: z.enum(['approve', 'reject']),
        reason: z.string().min(1).max(2000).optional(),
        evidenceIds: z.array(z.string().min(1).max(64)).max(10_000),
        /** The deciding account's Ed25519 signature over the decision (core/review-signature.ts). */
        signature: deviceSignatureSchema.optional(),
      })
      .strict()
      .optional(),
    purpose: z.string().min(1).max(1000),
    at: isoDateTime,
  })
  .strict();

export type CaseOpenedEvent = z.infer<typeof caseOpenedEventSchema>;
export type CustodyEvent = z.infer<typeof custodyEventSchema>;

/** A case-file package was generated: its manifest's hash, so the package can later be matched to this event. */
export const casePackagedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('case.packaged'),
    caseCode: code,
    actor: actorSchema,
    certificate: z.string().min(1).max(32).optional(),
    manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
    evidenceIds: z.array(z.string().min(1).max(64)).max(10_000),
    purpose: z.string().min(1).max(1000),
    at: isoDateTime,
  })
  .strict();

export type CasePackagedEvent = z.infer<typeof casePackagedEventSchema>;
