internal import GRDB

extension StoreMigrations {
    /// v2: bytes of stored message JWSs per delivering peer, kept by triggers,
    /// so the per-peer storage quota (PROTOCOL §3) costs one row read per batch.
    static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE inbox_usage (
                    peer_oin TEXT PRIMARY KEY NOT NULL,
                    bytes INTEGER NOT NULL DEFAULT 0
                ) STRICT;
                INSERT INTO inbox_usage (peer_oin, bytes)
                    SELECT peer_oin, SUM(COALESCE(length(jws), 0)) FROM inbox GROUP BY peer_oin;
                CREATE TRIGGER inbox_usage_insert AFTER INSERT ON inbox BEGIN
                    INSERT INTO inbox_usage (peer_oin, bytes) VALUES (NEW.peer_oin, COALESCE(length(NEW.jws), 0))
                    ON CONFLICT(peer_oin) DO UPDATE SET bytes = bytes + COALESCE(length(NEW.jws), 0);
                END;
                CREATE TRIGGER inbox_usage_update AFTER UPDATE OF jws ON inbox BEGIN
                    UPDATE inbox_usage SET bytes = bytes - COALESCE(length(OLD.jws), 0) + COALESCE(length(NEW.jws), 0)
                    WHERE peer_oin = NEW.peer_oin;
                END;
                CREATE TRIGGER inbox_usage_delete AFTER DELETE ON inbox BEGIN
                    UPDATE inbox_usage SET bytes = bytes - COALESCE(length(OLD.jws), 0) WHERE peer_oin = OLD.peer_oin;
                END;
                """
        )
    }
}
