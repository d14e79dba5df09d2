/** What a recorder or officer states about a recording when uploading it (the `Custos-Metadata` header). */
import { z } from 'zod';
import { AppError } from './errors';

const isoDateTime = z.iso.datetime({ offset: true });
const label = z.string().min(1).max(128).regex(/^\S(.*\S)?$/, "must not start or end with whitespace");

export const evidenceMetadataSchema = z
  .object({
    deviceId: label,
    officerId: label,
    recordedAt: isoDateTime,
    endedAt: isoDateTime.optional(),
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).strict().optional(),
    fileName: z
      .string()
      .min(1)
      .max(255)
      .refine((name) => !/[/\\\0]/.test(name), 'must be a bare file name, without a path')
      .optional(),
    note: z.string().max(4000).optional(),
  })
  // Unknown fields are refused rather than dropped: a stated fact must never vanish silently.
  .strict()
  .refine((m) => m.endedAt === undefined || Date.parse(m.endedAt) >= Date.parse(m.recordedAt), {
    message: 'endedAt must not be before recordedAt',
    path: ['endedAt'],
  });

export type EvidenceMetadata = z.infer<typeof evidenceMetadataSchema>;

/** Parses untrusted metadata, listing every problem at once. */
export function parseEvidenceMetadata(value: unknown): EvidenceMetadata {
  const result = evidenceMetadataSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AppError('INVALID_METADATA', `invalid evidence metadata: ${problems.join('; ')}`, { details: { problems } });
  }
  return result.data;
}
