/** Who did something: the token that acted (never its secret). */
import { z } from 'zod';

export const actorSchema = z.object({ tokenId: z.string().min(1), name: z.string().min(1), role: z.string().min(1) }).strict();
export type Actor = z.infer<typeof actorSchema>;
