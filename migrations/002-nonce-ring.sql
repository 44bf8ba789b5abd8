-- 002-nonce-ring.sql — the nonce log becomes a fixed-size ring: row `slot` = seq % capacity is overwritten in place
-- (INSERT OR REPLACE), so the file never holds more than --nonce-capacity rows and deleted pages are never needed.
CREATE TABLE nonce_ring (
  slot          INTEGER PRIMARY KEY,          -- seq % capacity
  seq           INTEGER NOT NULL,             -- order of arrival; the ring's oldest entry has the lowest seq
  access_key_id TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  expires_at    INTEGER NOT NULL,             -- epoch ms: the request's Timestamp + the window
  seen_at       INTEGER NOT NULL              -- epoch ms (wall clock) the nonce was first accepted
);

-- Carry the live log over; load() renumbers it if the capacity in use does not fit these slots.
INSERT INTO nonce_ring (slot, seq, access_key_id, nonce, expires_at, seen_at)
  SELECT rn, rn, access_key_id, nonce, expires_at, expires_at - 900000
  FROM (SELECT row_number() OVER (ORDER BY id) - 1 AS rn, access_key_id, nonce, expires_at FROM nonces);

DROP TABLE nonces;
