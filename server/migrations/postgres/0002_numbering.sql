-- A change takes its number as its log line is written: the line is inserted with the
-- event's counter plus one, and this moves the counter, so numbering a change is one
-- statement. Never backwards. The writer already holds the event's row lock.
CREATE FUNCTION roundtable_change_numbered() RETURNS trigger AS $$
BEGIN
    UPDATE events SET last_seq = NEW.seq WHERE id = NEW.event_id AND last_seq < NEW.seq;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER event_log_numbered AFTER INSERT ON event_log
    FOR EACH ROW EXECUTE FUNCTION roundtable_change_numbered();
