-- Facilitation: moderation mode, tags, announcements, the run of show, per-table facilitator
-- links, comment curation (approve, merge, tag, star, correct, reply) and the activity log.

ALTER TABLE events ADD COLUMN moderation TEXT NOT NULL DEFAULT 'post'
    CHECK (moderation IN ('post', 'pre'));
-- JSON array of the event's tags.
ALTER TABLE events ADD COLUMN labels TEXT NOT NULL
    DEFAULT '["local campaign idea","policy proposal","personal story","question"]';
ALTER TABLE events ADD COLUMN announcement TEXT;
ALTER TABLE events ADD COLUMN announcement_wall INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN announcement_at INTEGER;
-- The running agenda item and when it is due to end (ms since 1970).
ALTER TABLE events ADD COLUMN agenda_item_id INTEGER;
ALTER TABLE events ADD COLUMN agenda_started_at INTEGER;
ALTER TABLE events ADD COLUMN agenda_ends_at INTEGER;

-- Filled in by the server for tables made before this migration.
ALTER TABLE event_tables ADD COLUMN facilitator_token TEXT;
CREATE UNIQUE INDEX event_tables_facilitator_token ON event_tables (facilitator_token);

CREATE TABLE agenda_items (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('talk', 'round', 'pledges', 'break', 'close', 'other')),
    title      TEXT NOT NULL,
    speaker    TEXT,
    minutes    INTEGER NOT NULL,
    round_id   INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done'))
);
CREATE INDEX agenda_items_event ON agenda_items (event_id, position);

-- Pseudonymous author: a hash of the device cookie, for "distinct contributors", the balance
-- figures and showing a waiting comment to the device that wrote it. Never shown.
ALTER TABLE comments ADD COLUMN author TEXT;
ALTER TABLE comments ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN reply_to INTEGER REFERENCES comments(id);
ALTER TABLE comments ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE comments ADD COLUMN original_body TEXT;
ALTER TABLE comments ADD COLUMN merged_into INTEGER REFERENCES comments(id);
CREATE INDEX comments_merged_into ON comments (merged_into);

-- Who did what to which comment, when. Never the comment's text.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    table_id   INTEGER,
    action     TEXT NOT NULL,
    comment_id INTEGER,
    detail     TEXT
);
CREATE INDEX audit_log_event ON audit_log (event_id, id);
