-- Pledges (the actions people commit to at the end) and the optional "about you" questions.
--
-- Neither table has any key to comments, agreements or the attendee's device cookie: a
-- pledge (and an "about you" answer) is found again only by the SHA-256 of a random key that
-- the phone alone holds, made when it pledged. Contact details live in their own table,
-- one row per pledge, and only with the consent sentence the person ticked for that channel.

ALTER TABLE events ADD COLUMN pledge_contact_by TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN about_you INTEGER NOT NULL DEFAULT 0;
-- The language phones and the wall start in ('en' or 'cy'); each phone can switch.
ALTER TABLE events ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';

CREATE TABLE pledge_options (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL,
    -- The table whose theme this action follows up, if any.
    table_id INTEGER REFERENCES event_tables(id) ON DELETE SET NULL,
    -- Taken off the phone's list; kept while someone's pledge still names it.
    removed  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pledge_options_event ON pledge_options (event_id, position);

CREATE TABLE pledges (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX pledges_event ON pledges (event_id);

CREATE TABLE pledge_choices (
    pledge_id INTEGER NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    option_id INTEGER NOT NULL REFERENCES pledge_options(id) ON DELETE CASCADE,
    PRIMARY KEY (pledge_id, option_id)
);

CREATE TABLE pledge_contacts (
    pledge_id     INTEGER PRIMARY KEY REFERENCES pledges(id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    phone         TEXT,
    -- The sentence the person ticked for phone calls and texts (NULL: no consent, no number).
    phone_consent TEXT,
    email         TEXT,
    email_consent TEXT,
    consented_at  INTEGER NOT NULL
);

CREATE TABLE about_answers (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    key_hash    TEXT NOT NULL UNIQUE,
    first_event TEXT,
    member      TEXT,
    age_band    TEXT
);
CREATE INDEX about_answers_event ON about_answers (event_id);

-- Every event starts with the usual five actions; the organiser edits them.
CREATE TRIGGER events_default_pledges AFTER INSERT ON events
BEGIN
    INSERT INTO pledge_options (event_id, position, label) VALUES
        (NEW.id, 1, 'Join a local campaign that came up tonight'),
        (NEW.id, 2, 'Host a house meeting'),
        (NEW.id, 3, 'Come to an organising training'),
        (NEW.id, 4, 'Volunteer at the next event'),
        (NEW.id, 5, 'Keep me informed');
END;

INSERT INTO pledge_options (event_id, position, label)
SELECT e.id, d.position, d.label FROM events e, (
    SELECT 1 AS position, 'Join a local campaign that came up tonight' AS label
    UNION ALL SELECT 2, 'Host a house meeting'
    UNION ALL SELECT 3, 'Come to an organising training'
    UNION ALL SELECT 4, 'Volunteer at the next event'
    UNION ALL SELECT 5, 'Keep me informed'
) d;
