/**
 * Case events. `case.opened` names a new case (its action code); custody
 * events record who did what to which object, with the stated purpose, so a
 * court can ask not only "is this the recording?" but "who had it, and why?".
 * Logged so far: attach, detach, status changes and notes; reads, shares and exports join them.
 */
import { z } from 'zod';
import { actorSchema } from './actor';

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

export const CUSTODY_ACTIONS = ['attach', 'detach', 'status', 'note', 'read'] as const;

/** What a custody.read event read. */
export const READ_OBJECTS = ['content', 'rendition', 'proof', 'segment', 'recording'] as const;

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
    purpose: z.string().min(1).max(1000),
    at: isoDateTime,
  })
  .strict();

export type CaseOpenedEvent = z.infer<typeof caseOpenedEventSchema>;
export type CustodyEvent = z.infer<typeof custodyEventSchema>;
