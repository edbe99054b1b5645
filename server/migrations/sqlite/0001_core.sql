-- Core loop: organisers, events with tables and rounds, comments, agreements and the
-- per-event change log that gives every change its sequence number.

CREATE TABLE organisers (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE organiser_sessions (
    token_hash   TEXT PRIMARY KEY,
    organiser_id INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    organiser_id      INTEGER REFERENCES organisers(id),
    title             TEXT NOT NULL,
    place             TEXT NOT NULL,
    date              TEXT NOT NULL,
    description       TEXT NOT NULL,
    is_open           INTEGER NOT NULL DEFAULT 1,
    code              TEXT NOT NULL UNIQUE,
    facilitator_token TEXT NOT NULL UNIQUE,
    wall_token        TEXT NOT NULL UNIQUE,
    last_seq          INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

CREATE TABLE event_tables (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    theme       TEXT NOT NULL,
    description TEXT NOT NULL,
    join_token  TEXT NOT NULL UNIQUE,
    UNIQUE (event_id, number)
);

CREATE TABLE rounds (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    number   INTEGER NOT NULL,
    prompt   TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('same', 'theme')),
    status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'open', 'closed')),
    UNIQUE (event_id, number)
);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    table_id     INTEGER NOT NULL REFERENCES event_tables(id) ON DELETE CASCADE,
    round_id     INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL,
    body         TEXT NOT NULL,
    display_name TEXT,
    source       TEXT NOT NULL CHECK (source IN ('attendee', 'facilitator')),
    hidden       INTEGER NOT NULL DEFAULT 0,
    hidden_reason TEXT,
    highlighted  INTEGER NOT NULL DEFAULT 0,
    agrees       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (event_id, client_id)
);
CREATE INDEX comments_event_table ON comments (event_id, table_id);

-- One agreement per device (a random cookie, not an identity).
CREATE TABLE agreements (
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,
    PRIMARY KEY (comment_id, voter)
);

-- Every change, numbered per event. Replays read the item's current state.
CREATE TABLE event_log (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    round_id   INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, seq)
);
