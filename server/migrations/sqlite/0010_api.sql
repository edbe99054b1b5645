-- The API: organisers' tokens for other systems, and webhooks told when an event closes.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    organiser_id INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- SHA-256 of the token: the token itself is shown once and never stored.
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_organiser ON api_tokens (organiser_id);

CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY,
    organiser_id INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    -- The key payloads are signed with (HMAC-SHA256); the receiver holds a copy.
    secret       TEXT NOT NULL,
    -- 1: payloads carry the event's shown comments. 0 (the default): counts and links only.
    include_text INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE INDEX webhooks_organiser ON webhooks (organiser_id);

-- One row per webhook to tell, written in the same transaction that closes the event, so a
-- crash between the two can't lose the call. The payload is built when it is sent (so an
-- event deleted meanwhile sends nothing).
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    -- Set when it is over: delivered, or given up after the last attempt.
    done_at     INTEGER,
    delivered   INTEGER NOT NULL DEFAULT 0,
    last_status TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (done_at, next_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);
