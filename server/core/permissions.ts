/**
 * Who may do what: one table, the only place role names meet actions. Routes
 * ask for an action (`requirePermission(tokens, 'evidence.content')`), never
 * for a list of roles, so changing a rule is one line here, and the test walks
 * every cell (test/core/permissions.test.ts).
 *
 * Roles: `admin` runs the system; `officer` is a certified law-enforcement
 * officer; `auxiliary` staff may upload recordings but never act alone;
 * `reviewer` does the legal review; `notary` certifies; `court` receives what
 * is shared with it (the table lets it read cases and evidence; which ones is
 * checked per object: only cases shared with it, unexpired and unrevoked, and
 * their attached evidence); `auditor` reads everything and changes nothing;
 * `uploader` is a dock station or recorder (a service account).
 */
export const ROLES = ['admin', 'officer', 'auxiliary', 'reviewer', 'notary', 'court', 'auditor', 'uploader'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Send recordings: POST /v1/evidence, tus uploads, live recordings. */
  'evidence.upload': ['admin', 'officer', 'auxiliary', 'uploader'],
  /** Evidence records, their proofs and custody, renditions' records (courts: shared evidence only). */
  'evidence.read': ['admin', 'officer', 'auxiliary', 'reviewer', 'notary', 'court', 'auditor', 'uploader'],
  /** The bytes of recordings and renditions (courts: shared evidence only). */
  'evidence.content': ['admin', 'officer', 'reviewer', 'notary', 'court', 'auditor'],
  /** Live recordings and their segments, media jobs: operational views, never shared with courts. */
  'recording.read': ['admin', 'officer', 'auxiliary', 'reviewer', 'notary', 'auditor', 'uploader'],
  /** Register and revoke recorder keys. */
  'device.manage': ['admin'],
  'device.read': ['admin', 'officer', 'auditor'],
  /** Open a case (certified officers only: checked on the token's certificate too). */
  'case.open': ['officer'],
  /** Read cases (officers: their own unit's; courts: those shared with them). */
  'case.read': ['admin', 'officer', 'reviewer', 'notary', 'court', 'auditor'],
  /** Attach and detach evidence (certified officers only). */
  'case.attach': ['officer'],
  /** Move a case along its statuses (open → under review → decided → archived). */
  'case.status': ['officer', 'reviewer', 'admin'],
  /** Add a note to a case (logged; notes are never edited). */
  'case.note': ['officer', 'reviewer'],
  /** Share a case with a court account, or revoke a share (certified officers of the unit, admins). */
  'case.share': ['officer', 'admin'],
  /** Decide a review stage (which role decides which stage is the stage's own rule). */
  'case.review': ['officer', 'reviewer'],
  /** Download a case-file package (logged as case.packaged). */
  'package.read': ['admin', 'officer', 'reviewer', 'notary', 'court', 'auditor'],
  /** Print the supervision card (一案一卡) for the party. */
  'case.card': ['officer'],
  /** Start an integrity audit (it changes nothing; it logs that it ran). */
  'audit.run': ['admin', 'auditor'],
  /** Audits' progress and reports. */
  'audit.read': ['admin', 'auditor'],
  /** Issue a preservation certificate for evidence (the notary's own key signs it). */
  'notary.certify': ['notary'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function allows(role: string, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly string[]).includes(role);
}
