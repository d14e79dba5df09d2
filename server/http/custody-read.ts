/**
 * Reads that leave a custody event: content, renditions and segments need a
 * stated purpose (`?purpose=` or `Custos-Purpose`); a proof may state one. The
 * event is logged before the bytes are sent, so no read goes unrecorded.
 */
import type { Context } from 'koa';
import { statedPurpose, type CustodyFields } from '../services/custody';
import type { AppComponents } from './components';

const PROOF_PURPOSE = 'not stated (proof read)';

export function purposeOf(ctx: Context): string | undefined {
  const query = ctx.query.purpose;
  const value = typeof query === 'string' ? query : ctx.get('Custos-Purpose');
  return value.trim() === '' ? undefined : value.trim();
}

/** Throws 400 PURPOSE_REQUIRED before anything is read when a content read states no purpose. */
export function requirePurpose(ctx: Context): string {
  return statedPurpose(purposeOf(ctx), 'reading content');
}

export function logContentRead(ctx: Context, c: AppComponents, purpose: string, fields: Omit<CustodyFields, 'purpose'>): void {
  c.custody.record(c.custody.event('custody.read', ctx.state.token, { ...fields, purpose }));
}

export function logProofRead(ctx: Context, c: AppComponents, fields: Omit<CustodyFields, 'purpose'>): void {
  c.custody.record(c.custody.event('custody.read', ctx.state.token, { ...fields, purpose: purposeOf(ctx) ?? PROOF_PURPOSE }));
}

/** Logged events at `leaves`, each with the proof that it is in the anchored log (or pending until the next anchor). */
export function custodyHistory(c: AppComponents, leaves: readonly number[]) {
  return leaves.map((leafIndex) => {
    const [entry] = c.log.entries(leafIndex, leafIndex + 1);
    const built = c.buildProofBundle({ leafIndex, event: entry.event });
    return { leafIndex, event: JSON.parse(entry.event) as unknown, ...(built.status === 'anchored' ? { proof: built.bundle } : { proof: null, status: 'pending' }) };
  });
}
