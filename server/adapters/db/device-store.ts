/** Registered recorder devices and their public keys (see core/device-events.ts). */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

export interface DeviceRecord {
  deviceId: string;
  publicKey: string;
  keyId: string;
  description: string | null;
  registeredAt: string;
  leafIndex: number;
  revokedAt: string | null;
  revokedLeaf: number | null;
}

interface Row {
  device_id: string;
  public_key: string;
  key_id: string;
  description: string | null;
  registered_at: string;
  leaf_index: number;
  revoked_at: string | null;
  revoked_leaf: number | null;
}

const toDevice = (row: Row): DeviceRecord => ({
  deviceId: row.device_id,
  publicKey: row.public_key,
  keyId: row.key_id,
  description: row.description,
  registeredAt: row.registered_at,
  leafIndex: row.leaf_index,
  revokedAt: row.revoked_at,
  revokedLeaf: row.revoked_leaf,
});

export class DeviceStore {
  private readonly byIdStmt: Statement<[string], Row>;
  private readonly byKeyStmt: Statement<[string], Row>;
  private readonly allStmt: Statement<[], Row>;
  private readonly insertStmt: Statement<[string, string, string, string | null, string, number]>;
  private readonly revokeStmt: Statement<[string, number, string]>;

  constructor(db: Db) {
    this.byIdStmt = db.prepare('SELECT * FROM devices WHERE device_id = ?');
    this.byKeyStmt = db.prepare('SELECT * FROM devices WHERE public_key = ?');
    this.allStmt = db.prepare('SELECT * FROM devices ORDER BY registered_at, device_id');
    this.insertStmt = db.prepare('INSERT INTO devices (device_id, public_key, key_id, description, registered_at, leaf_index) VALUES (?, ?, ?, ?, ?, ?)');
    this.revokeStmt = db.prepare('UPDATE devices SET revoked_at = ?, revoked_leaf = ? WHERE device_id = ? AND revoked_at IS NULL');
  }

  byId(deviceId: string): DeviceRecord | null {
    const row = this.byIdStmt.get(deviceId);
    return row ? toDevice(row) : null;
  }

  byPublicKey(publicKey: string): DeviceRecord | null {
    const row = this.byKeyStmt.get(publicKey);
    return row ? toDevice(row) : null;
  }

  all(): DeviceRecord[] {
    return this.allStmt.all().map(toDevice);
  }

  /** Requires the caller's transaction, which also appends the device.registered event. */
  insert(device: Omit<DeviceRecord, 'revokedAt' | 'revokedLeaf'>): void {
    this.insertStmt.run(device.deviceId, device.publicKey, device.keyId, device.description, device.registeredAt, device.leafIndex);
  }

  /** Requires the caller's transaction, which also appends the device.revoked event. */
  revoke(deviceId: string, revokedAt: string, leafIndex: number): void {
    this.revokeStmt.run(revokedAt, leafIndex, deviceId);
  }
}
