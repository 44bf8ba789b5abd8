-- 001-init.sql — instances, tasks, remembered nonces, and the emulator's own id.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE instances (
  id            TEXT PRIMARY KEY,
  seq           INTEGER NOT NULL UNIQUE,      -- creation order; List shows newest first
  name          TEXT NOT NULL,
  conf_size     TEXT NOT NULL,
  vdc_id        TEXT NOT NULL,
  pipe_id       TEXT NOT NULL,
  region_id     TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('creating','running','updating','deleting','error')),
  address       TEXT NOT NULL DEFAULT '',
  port          INTEGER NOT NULL DEFAULT 11211,
  backend_ref   TEXT,                          -- pid or container id
  error_reason  TEXT,
  created_at    INTEGER NOT NULL,              -- epoch ms
  updated_at    INTEGER NOT NULL
);
CREATE INDEX instances_vdc ON instances (vdc_id);

CREATE TABLE tasks (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id  TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('create','delete','clear','update')),
  status       TEXT NOT NULL CHECK (status IN ('NEW','DOING','FINISH','ERROR')),
  params       TEXT NOT NULL DEFAULT '{}',
  error        TEXT,
  created_at   INTEGER NOT NULL,
  due_at       INTEGER,                        -- set when DOING: when the work may be applied
  finished_at  INTEGER
);
CREATE INDEX tasks_pending ON tasks (status, id) WHERE status IN ('NEW','DOING');

-- Append-only: the live set is kept in memory and loaded from here at start-up, so an insert touches
-- only the last page (a unique index on random nonces would dirty a random page per request).
CREATE TABLE nonces (
  id            INTEGER PRIMARY KEY,
  access_key_id TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  expires_at    INTEGER NOT NULL
);
-- Expiries arrive in nearly increasing order, so this index grows at its end too.
CREATE INDEX nonces_expiry ON nonces (expires_at);
