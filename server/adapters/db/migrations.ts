/**
 * Schema migrations, applied in order and recorded in PRAGMA user_version.
 * Append new entries; never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- The Merkle log. A leaf never changes once written (see LogStore).
  CREATE TABLE log_leaves (
    leaf_index  INTEGER PRIMARY KEY,
    leaf_hash   BLOB    NOT NULL CHECK (length(leaf_hash) = 32),
    event       TEXT    NOT NULL, -- RFC 8785 canonical JSON of the event
    appended_at TEXT    NOT NULL
  );
  -- Hashes of complete subtrees (level >= 1; level 0 is log_leaves), so that any
  -- root or proof needs O(log n) reads.
  CREATE TABLE log_nodes (
    level      INTEGER NOT NULL,
    node_index INTEGER NOT NULL,
    hash       BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
  ) WITHOUT ROWID;

  CREATE TABLE evidence (
    id          TEXT    PRIMARY KEY,
    sha256      TEXT    NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    cid         TEXT    NOT NULL,
    leaf_index  INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    event       TEXT    NOT NULL, -- the evidence.ingested event, as logged
    received_at TEXT    NOT NULL
  );

  -- Heads this service anchored, as confirmed on the chain.
  CREATE TABLE anchors (
    tree_size    INTEGER PRIMARY KEY,
    root_hash    TEXT    NOT NULL,
    chain_id     INTEGER NOT NULL,
    contract     TEXT    NOT NULL,
    tx_hash      TEXT    NOT NULL,
    block_number INTEGER NOT NULL,
    anchored_at  INTEGER NOT NULL -- block.timestamp, seconds
  );

  CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the secret; the secret itself is never stored
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  `,
];
