-- Privacy: each event's notice to attendees, and how long what people gave is kept.
-- Retention counts from the end of the event's day (or from when the event was stored, if
-- later). A sweep in the server deletes or anonymises what is due (docs/security.md).

-- The organiser's own notice; empty: the default one, naming who runs the event.
ALTER TABLE events ADD COLUMN privacy_notice TEXT NOT NULL DEFAULT '';
-- Contact details given with pledges and "about you" answers are deleted after this many days.
ALTER TABLE events ADD COLUMN contact_days INTEGER NOT NULL DEFAULT 90;
-- Then the comments: kept, anonymised (names and device keys removed) or the event deleted.
ALTER TABLE events ADD COLUMN comments_after TEXT NOT NULL DEFAULT 'keep'
    CHECK (comments_after IN ('keep', 'anonymise', 'delete'));
ALTER TABLE events ADD COLUMN comment_days INTEGER NOT NULL DEFAULT 365;
-- When the sweep first did each (ms since 1970), shown to the organiser.
ALTER TABLE events ADD COLUMN contacts_purged_at INTEGER;
ALTER TABLE events ADD COLUMN comments_purged_at INTEGER;

-- The one other site that may show the wall inside its own page (an origin such as
-- https://stream.example.org); empty: no site may frame it.
ALTER TABLE events ADD COLUMN wall_frame_origin TEXT NOT NULL DEFAULT '';

-- A comment its writer deleted from their phone: its words, name and keys are blanked at
-- once; the row stays (hidden) only so screens that missed the change hear it on resume.
ALTER TABLE comments ADD COLUMN deleted_at INTEGER;

-- Other organisers the event's owner (or another of its organisers) added: they may open
-- and run it as the owner does, but not take the owner off it.
CREATE TABLE event_organisers (
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    organiser_id INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (event_id, organiser_id)
);
CREATE INDEX event_organisers_organiser ON event_organisers (organiser_id);

-- Event numbers are never used twice: a deleted event's number (in bookmarks, exported file
-- names, caches) must never come to mean another event. SQLite would reuse the highest id
-- once its row is gone, so the highest number ever given is kept here.
CREATE TABLE event_id_high (high INTEGER NOT NULL);
INSERT INTO event_id_high (high) SELECT COALESCE(MAX(id), 0) FROM events;
CREATE TRIGGER events_id_high AFTER INSERT ON events
BEGIN
    UPDATE event_id_high SET high = MAX(high, NEW.id);
END;
