-- A change takes its number as its log line is written: the line is inserted with the
-- event's counter plus one, and this moves the counter, so numbering a change is one
-- statement. Never backwards (an imported log line keeps its number).
CREATE TRIGGER event_log_numbered AFTER INSERT ON event_log
BEGIN
    UPDATE events SET last_seq = NEW.seq WHERE id = NEW.event_id AND last_seq < NEW.seq;
END;
