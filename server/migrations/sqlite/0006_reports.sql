-- Reports: campaign tours (events in several towns compared in one briefing) and expiring
-- share links for the policy briefing.
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    organiser_id INTEGER REFERENCES organisers(id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

ALTER TABLE events ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL;

CREATE TABLE report_shares (
    id          INTEGER PRIMARY KEY,
    -- SHA-256 of the link's token: the token itself is never stored.
    token_hash  TEXT NOT NULL UNIQUE,
    event_id    INTEGER REFERENCES events(id) ON DELETE CASCADE,
    campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    CHECK ((event_id IS NULL) <> (campaign_id IS NULL))
);
CREATE INDEX report_shares_event ON report_shares (event_id);
CREATE INDEX report_shares_campaign ON report_shares (campaign_id);
