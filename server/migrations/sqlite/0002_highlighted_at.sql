-- When a comment was put on the wall, so the wall shows the most recently highlighted first.
ALTER TABLE comments ADD COLUMN highlighted_at INTEGER;
UPDATE comments SET highlighted_at = created_at WHERE highlighted = 1;
