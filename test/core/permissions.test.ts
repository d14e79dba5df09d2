import { expect } from 'chai';
import { PERMISSIONS, ROLES, allows, type Permission, type Role } from '../../server/core/permissions';

/**
 * The expected table, written out by hand (✓ = allowed), so that a change to
 * server/core/permissions.ts must be made twice, on purpose.
 */
const EXPECTED: Record<Permission, Record<Role, boolean>> = {
  //                  admin  officer auxiliary reviewer notary court  auditor uploader
  'evidence.upload': row(1, 1, 1, 0, 0, 0, 0, 1),
  'evidence.read': row(1, 1, 1, 1, 1, 1, 1, 1),
  'evidence.content': row(1, 1, 0, 1, 1, 1, 1, 0),
  'recording.read': row(1, 1, 1, 1, 1, 0, 1, 1),
  'device.manage': row(1, 0, 0, 0, 0, 0, 0, 0),
  'device.read': row(1, 1, 0, 0, 0, 0, 1, 0),
  'case.open': row(0, 1, 0, 0, 0, 0, 0, 0),
  'case.read': row(1, 1, 0, 1, 1, 1, 1, 0),
  'case.attach': row(0, 1, 0, 0, 0, 0, 0, 0),
  'case.status': row(1, 1, 0, 1, 0, 0, 0, 0),
  'case.note': row(0, 1, 0, 1, 0, 0, 0, 0),
  'case.share': row(1, 1, 0, 0, 0, 0, 0, 0),
  'case.review': row(0, 1, 0, 1, 0, 0, 0, 0),
  'package.read': row(1, 1, 0, 1, 1, 1, 1, 0),
  'case.card': row(0, 1, 0, 0, 0, 0, 0, 0),
  'notary.certify': row(0, 0, 0, 0, 1, 0, 0, 0),
  'audit.run': row(1, 0, 0, 0, 0, 0, 1, 0),
  'audit.read': row(1, 0, 0, 0, 0, 0, 1, 0),
};

function row(...cells: number[]): Record<Role, boolean> {
  return Object.fromEntries(ROLES.map((role, i) => [role, cells[i] === 1])) as Record<Role, boolean>;
}

describe('permission table (every role × every action)', () => {
  it('covers exactly the actions of the table', () => {
    expect(Object.keys(EXPECTED).sort()).to.deep.equal(Object.keys(PERMISSIONS).sort());
  });

  for (const permission of Object.keys(EXPECTED) as Permission[]) {
    for (const role of ROLES) {
      const expected = EXPECTED[permission][role];
      it(`${role} ${expected ? 'may' : 'may not'} ${permission}`, () => {
        expect(allows(role, permission)).to.equal(expected);
      });
    }
  }

  it('lets the auditor read everything and change nothing', () => {
    for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
      // Running an audit changes nothing: it only logs that it ran.
      const changes = !permission.endsWith('.read') && permission !== 'evidence.content' && permission !== 'audit.run';
      expect(allows('auditor', permission), permission).to.equal(!changes);
    }
  });

  it('knows no role it does not list', () => {
    expect(allows('emperor', 'evidence.read')).to.equal(false);
  });
});
