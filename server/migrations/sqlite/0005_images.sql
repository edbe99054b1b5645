-- Images uploaded by facilitators (a live drawing, a photo of a flipchart): stored re-encoded
-- as JPEG without metadata; shown on the walls when a facilitator says so; kept for the report.
CREATE TABLE images (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    table_id   INTEGER REFERENCES event_tables(id) ON DELETE SET NULL,
    caption    TEXT NOT NULL DEFAULT '',
    jpeg       BLOB NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    on_wall    INTEGER NOT NULL DEFAULT 0,
    on_wall_at INTEGER,
    hidden     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX images_event ON images (event_id, id);
ALTER TABLE event_log ADD COLUMN image_id INTEGER REFERENCES images(id) ON DELETE CASCADE;
