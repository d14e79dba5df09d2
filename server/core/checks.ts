/** The shape of one verification check, shared by every verifier in the core. */
export type CheckName =
  | 'registered'
  | 'bundle-format'
  | 'content-hash'
  | 'leaf-hash'
  | 'inclusion'
  | 'chain'
  | 'anchor'
  | 'anchor-transaction'
  | 'chain-inclusion'
  | 'derived-from'
  | 'same-streams'
  | 'device-signature'
  | 'segment-order'
  | 'segment-chain'
  | 'segment-signature'
  | 'segment-content'
  | 'segment-anchor'
  | 'seal'
  | 'notary-witness'
  | 'notary-certificate'
  | 'review-signature'
  | 'manifest'
  | 'package-item';

export interface Check {
  check: CheckName;
  ok: boolean;
  /** Why it failed, as a stable code. */
  code?: string;
  message: string;
  expected?: string;
  found?: string;
}

export function pass(check: CheckName, message: string): Check {
  return { check, ok: true, message };
}

export function failed(check: CheckName, code: string, message: string, expected?: string, found?: string): Check {
  return { check, ok: false, code, message, ...(expected !== undefined ? { expected } : {}), ...(found !== undefined ? { found } : {}) };
}
