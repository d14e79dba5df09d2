/** `audit.completed`: an audit ran, over what, what it found, and the SHA-256 of its full report, logged and anchored like evidence. */
import { z } from 'zod';
import { actorSchema } from './actor';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const auditScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('full') }).strict(),
  z.object({ kind: z.literal('sample'), percent: z.number().positive().max(100) }).strict(),
  z.object({ kind: z.literal('since'), since: z.iso.datetime({ offset: true }) }).strict(),
  z.object({ kind: z.literal('case'), caseCode: z.string().regex(/^\d{27}$/) }).strict(),
]);

export const auditCompletedEventSchema = z
  .object({
    version: z.literal('custos.event/v1'),
    type: z.literal('audit.completed'),
    auditId: z.string().regex(/^au_[0-9a-f-]{36}$/),
    scope: auditScopeSchema,
    counts: z.object({ items: count, bytes: count, findings: count, byCheck: z.record(z.string(), count) }).strict(),
    /** The latest head the chain confirmed and the log was found consistent with. */
    trustedHead: z.object({ treeSize: count, rootHash: hex32 }).strict().nullable(),
    reportSha256: hex32,
    requestedBy: actorSchema,
    startedAt: z.iso.datetime({ offset: true }),
    completedAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export type AuditCompletedEvent = z.infer<typeof auditCompletedEventSchema>;
