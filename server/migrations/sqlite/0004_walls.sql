-- Walls: every event has a main wall (its link is events.wall_token) and may have more (a
-- second screen in a big hall), each with its own link and display settings.
CREATE TABLE walls (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    -- NULL for the main wall (its token is events.wall_token).
    token             TEXT UNIQUE,
    is_main           INTEGER NOT NULL DEFAULT 0,
    follows           INTEGER NOT NULL DEFAULT 0,
    layout            TEXT NOT NULL DEFAULT 'columns'
                      CHECK (layout IN ('columns', 'spotlight', 'mosaic', 'focus', 'join')),
    table_id          INTEGER REFERENCES event_tables(id) ON DELETE SET NULL,
    theme             TEXT NOT NULL DEFAULT 'dark' CHECK (theme IN ('dark', 'light')),
    show_join         INTEGER NOT NULL DEFAULT 1,
    spotlight_seconds INTEGER NOT NULL DEFAULT 12
);
CREATE INDEX walls_event ON walls (event_id, id);
CREATE UNIQUE INDEX walls_one_main ON walls (event_id) WHERE is_main = 1;

INSERT INTO walls (event_id, name, is_main) SELECT id, 'Main wall', 1 FROM events;
