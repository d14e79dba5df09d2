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
  `
  -- Durable jobs (media pipeline). One row per (kind, evidence, target): enqueueing twice is a no-op.
  CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL,
    evidence_id  TEXT    NOT NULL REFERENCES evidence (id),
    target       TEXT    NOT NULL DEFAULT '', -- e.g. the rendition's name
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after    INTEGER NOT NULL, -- ms since the epoch: not before (retry backoff)
    progress     REAL    NOT NULL DEFAULT 0,
    last_error   TEXT,
    steps        TEXT,             -- JSON: ms per step of the attempt that succeeded (where the time went)
    created_at   TEXT    NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    UNIQUE (kind, evidence_id, target)
  );
  CREATE INDEX jobs_ready ON jobs (state, run_after);
  CREATE INDEX jobs_by_evidence ON jobs (evidence_id);

  -- What ffprobe found in an original (the evidence.probed event, as logged).
  CREATE TABLE media (
    evidence_id        TEXT    PRIMARY KEY REFERENCES evidence (id),
    playable           INTEGER NOT NULL,
    leaf_index         INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    event              TEXT    NOT NULL,
    -- SHA-256 over the per-stream packet hashes: equal for a pure remux of the same streams.
    stream_fingerprint TEXT,
    -- Decoded-content hashes of the original (JSON), computed once by the first rendition that needs them.
    decoded_hashes     TEXT
  );
  CREATE INDEX media_by_fingerprint ON media (stream_fingerprint);

  -- Playback copies and posters derived from an original (the evidence.derived event, as logged).
  CREATE TABLE renditions (
    evidence_id TEXT    NOT NULL REFERENCES evidence (id),
    name        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    cid         TEXT    NOT NULL,
    leaf_index  INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    event       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (evidence_id, name)
  );
  CREATE INDEX renditions_by_sha256 ON renditions (sha256);
  `,
  `
  -- Recorders allowed to sign uploads. Each row is written with its device.registered
  -- (and device.revoked) event in the log.
  CREATE TABLE devices (
    device_id     TEXT    PRIMARY KEY,
    public_key    TEXT    NOT NULL UNIQUE, -- Ed25519, raw 32 bytes, base64
    key_id        TEXT    NOT NULL,
    description   TEXT,
    registered_at TEXT    NOT NULL,
    leaf_index    INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    revoked_at    TEXT,
    revoked_leaf  INTEGER UNIQUE REFERENCES log_leaves (leaf_index)
  );
  `,
  `
  -- Live recordings: the chain of segments, each row with its logged event.
  CREATE TABLE recordings (
    id            TEXT    PRIMARY KEY,
    device_id     TEXT    NOT NULL,
    started_event TEXT    NOT NULL,
    started_leaf  INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    segment_count INTEGER NOT NULL DEFAULT 0,
    last_sha256   TEXT,
    sealed_event  TEXT,
    sealed_leaf   INTEGER UNIQUE REFERENCES log_leaves (leaf_index),
    created_at    TEXT    NOT NULL
  );
  CREATE TABLE segments (
    recording_id TEXT    NOT NULL REFERENCES recordings (id),
    sequence     INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    cid          TEXT    NOT NULL,
    leaf_index   INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    event        TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (recording_id, sequence)
  ) WITHOUT ROWID;
  `,
  `
  -- Token holders: an officer's unit and enforcement certificate number.
  ALTER TABLE tokens ADD COLUMN unit TEXT;
  ALTER TABLE tokens ADD COLUMN certificate TEXT;

  -- Cases, named by their 27-digit administrative action code.
  CREATE TABLE cases (
    code        TEXT    PRIMARY KEY,
    action_type TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    event       TEXT    NOT NULL, -- the case.opened event, as logged
    leaf_index  INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    opened_at   TEXT    NOT NULL,
    UNIQUE (unit, action_type, date, sequence)
  );
  -- Evidence attached to a case; detaching keeps the row (and never touches the evidence).
  CREATE TABLE case_evidence (
    case_code   TEXT    NOT NULL REFERENCES cases (code),
    evidence_id TEXT    NOT NULL REFERENCES evidence (id),
    attached_at TEXT    NOT NULL,
    attach_leaf INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    detached_at TEXT,
    detach_leaf INTEGER UNIQUE REFERENCES log_leaves (leaf_index),
    PRIMARY KEY (case_code, evidence_id, attached_at)
  ) WITHOUT ROWID;
  `,
  `
  -- Which custody events concern which evidence (the events themselves are in log_leaves).
  CREATE TABLE custody_index (
    leaf_index  INTEGER PRIMARY KEY REFERENCES log_leaves (leaf_index),
    evidence_id TEXT,
    case_code   TEXT,
    type        TEXT NOT NULL,
    at          TEXT NOT NULL
  );
  CREATE INDEX custody_by_evidence ON custody_index (evidence_id, leaf_index);
  CREATE INDEX custody_by_case ON custody_index (case_code, leaf_index);
  `,
  `
  -- Cases shared with a court account: a share expires and can be revoked (both logged).
  CREATE TABLE case_shares (
    id             TEXT    PRIMARY KEY,
    case_code      TEXT    NOT NULL REFERENCES cases (code),
    court_token_id TEXT    NOT NULL REFERENCES tokens (id),
    expires_at     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    share_leaf     INTEGER NOT NULL UNIQUE REFERENCES log_leaves (leaf_index),
    revoked_at     TEXT,
    revoke_leaf    INTEGER UNIQUE REFERENCES log_leaves (leaf_index)
  );
  CREATE INDEX case_shares_by_court ON case_shares (court_token_id, case_code);

  -- Review decisions (approve / reject, per stage, per round); the events themselves are in log_leaves.
  CREATE TABLE case_reviews (
    leaf_index   INTEGER PRIMARY KEY REFERENCES log_leaves (leaf_index),
    case_code    TEXT    NOT NULL REFERENCES cases (code),
    round        INTEGER NOT NULL,
    stage_index  INTEGER NOT NULL,
    decision     TEXT    NOT NULL,
    token_id     TEXT    NOT NULL,
    evidence_ids TEXT    NOT NULL, -- JSON array: the evidence set this decision covered
    at           TEXT    NOT NULL
  );
  CREATE INDEX case_reviews_by_case ON case_reviews (case_code, leaf_index);
  `,
  `
  -- Notary certificates (notary.certified events), by the evidence leaf they certify.
  CREATE TABLE notarizations (
    leaf_index         INTEGER PRIMARY KEY REFERENCES log_leaves (leaf_index), -- the notary.certified event
    evidence_id        TEXT    NOT NULL REFERENCES evidence (id),
    evidence_leaf      INTEGER NOT NULL,
    notary_address     TEXT    NOT NULL,
    certificate_number TEXT    NOT NULL,
    tree_size          INTEGER NOT NULL,
    statement          TEXT    NOT NULL, -- JCS of the signed statement
    signature          TEXT    NOT NULL,
    UNIQUE (notary_address, certificate_number)
  );
  CREATE INDEX notarizations_by_evidence ON notarizations (evidence_leaf);
  `,
  `
  -- Integrity audits: scope, progress (resumable from the cursor), and the report once done.
  CREATE TABLE audits (
    id            TEXT    PRIMARY KEY,
    scope         TEXT    NOT NULL, -- JSON: {kind: full|sample|since|case, ...}
    state         TEXT    NOT NULL, -- queued, running, completed, failed
    requested_by  TEXT    NOT NULL, -- JSON actor
    total         INTEGER NOT NULL DEFAULT 0,
    done          INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    items         TEXT,             -- JSON: the evidence ids in scope, fixed when the audit starts
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    ended_at      TEXT,
    report        TEXT,             -- the report JSON, exactly the bytes hashed
    report_sha256 TEXT,
    leaf_index    INTEGER REFERENCES log_leaves (leaf_index), -- the audit.completed event
    error         TEXT
  );
  CREATE TABLE audit_findings (
    audit_id TEXT    NOT NULL REFERENCES audits (id),
    seq      INTEGER NOT NULL,
    finding  TEXT    NOT NULL, -- JSON
    PRIMARY KEY (audit_id, seq)
  ) WITHOUT ROWID;
  `,
  `
  -- An account's own Ed25519 public key (base64, raw 32 bytes): review decisions are signed with it.
  ALTER TABLE tokens ADD COLUMN public_key TEXT;
  `,
];
