-- A change takes its number as its log line is written: the line is inserted with the
-- event's counter plus one, and this moves the counter, so numbering a change is one
-- statement. Never backwards. Once per statement, not per row: a batch of posts writes its
-- log lines in one insert, and the event's row gets one new version, not one per post. The
-- writer already holds the event's row lock.
CREATE FUNCTION roundtable_changes_numbered() RETURNS trigger AS $$
BEGIN
    UPDATE events e SET last_seq = added.seq
    FROM (SELECT event_id, MAX(seq) AS seq FROM numbered GROUP BY event_id) added
    WHERE e.id = added.event_id AND e.last_seq < added.seq;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER event_log_numbered AFTER INSERT ON event_log
    REFERENCING NEW TABLE AS numbered
    FOR EACH STATEMENT EXECUTE FUNCTION roundtable_changes_numbered();
