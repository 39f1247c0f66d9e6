internal import GRDB

extension StoreMigrations {
    /// Schema v1: the tables the receive path, delivery, descriptors, audit and
    /// alerts need. Times are Unix seconds; OINs are 20-digit strings; hashes
    /// are PROTOCOL §4 content addresses (43 base64url characters).
    static func v1(_ db: Database) throws {
        // inbox — one row per incoming message whose outcome is final
        // (PROTOCOL §4, §5): accepted, or rejected for a non-transient reason.
        // Transient rejections (not_yet_valid, untrusted_certificate,
        // unknown_key) are never recorded.
        // - hash: the content address of the bytes as received; the receipt
        //   lookup key before step 1, so the same bytes always get the same
        //   receipt back.
        // - iss, jti, type, typ, exp: what the message said about itself,
        //   when it got far enough to say it (NULL for a message refused
        //   before its payload parsed).
        // - reserved_jti: equal to jti when the message passed step 7, so it
        //   reserves (iss, jti); NULL otherwise. UNIQUE(iss, reserved_jti)
        //   holds only for reserving rows because SQLite treats NULLs as
        //   distinct, so a bad message cannot squat another node's jti. A
        //   jti_conflict rejection does not reserve: the owner already does.
        // - jws: the compact JWS verbatim, never re-serialised; set to NULL
        //   (with sealed_deleted_at) when retention deletes a message that
        //   held sealed data (§13); hash, metadata and receipt stay.
        // - peer_oin: the OIN of the TLS client that delivered it.
        // - receipt_jws: the signed receipt, byte for byte.
        try db.execute(
            sql: """
                CREATE TABLE inbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 43),
                    iss TEXT,
                    jti TEXT,
                    reserved_jti TEXT,
                    type TEXT,
                    typ TEXT,
                    jws TEXT,
                    received_at INTEGER NOT NULL,
                    peer_oin TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
                    reason TEXT,
                    receipt_jws TEXT NOT NULL,
                    exp INTEGER,
                    sealed_deleted_at INTEGER,
                    UNIQUE (iss, reserved_jti),
                    CHECK ((status = 'accepted') = (reason IS NULL)),
                    CHECK (reserved_jti IS NULL OR (iss IS NOT NULL AND reserved_jti = jti)),
                    CHECK (status = 'rejected' OR (reserved_jti IS NOT NULL AND type IS NOT NULL
                        AND typ IS NOT NULL AND exp IS NOT NULL)),
                    CHECK (status = 'rejected' OR jws IS NOT NULL OR sealed_deleted_at IS NOT NULL),
                    CHECK (sealed_deleted_at IS NULL OR jws IS NULL)
                );
                -- Retention (§13: rows kept until exp + 300 s) and per-peer daily quotas (§3).
                CREATE INDEX inbox_on_exp ON inbox(exp);
                CREATE INDEX inbox_on_peer_received ON inbox(peer_oin, received_at);
                """
        )

        // outbox — every message this node sends, committed in the same
        // transaction as the change that caused it (PROTOCOL §6). id is the
        // send order (AUTOINCREMENT: never reused, even after a drop).
        // - jws: the signed compact JWS sent verbatim on every attempt.
        // - body_json: the message body, so an operator retry of a message
        //   refused at steps 8–10 can re-sign it with a new jti, iat and exp.
        // - attempts, next_attempt_at, last_error: this row's retry state;
        //   a queued row not yet due holds back the rows behind it (order).
        // - state: queued → delivered (receipt 'accepted'), or queued →
        //   parked (final rejection, no capability, parking age); an
        //   operator moves parked → queued (retry) or deletes it (drop).
        // - receipt_jws: the peer's receipt, the proof of delivery (also kept
        //   for a rejection that parked the row).
        try db.execute(
            sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    destination_oin TEXT NOT NULL,
                    type TEXT NOT NULL,
                    jti TEXT NOT NULL UNIQUE,
                    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 43),
                    jws TEXT NOT NULL,
                    body_json TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    next_attempt_at INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    state TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'delivered', 'parked')),
                    parked_reason TEXT,
                    receipt_jws TEXT,
                    delivered_at INTEGER,
                    CHECK ((state = 'parked') = (parked_reason IS NOT NULL)),
                    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)),
                    CHECK (state != 'delivered' OR receipt_jws IS NOT NULL)
                );
                -- The delivery loop's batch query, and queue depth per destination.
                CREATE INDEX outbox_on_destination_state_id ON outbox(destination_oin, state, id);
                -- Age of the oldest undelivered message (metrics, parking age).
                CREATE INDEX outbox_queued_on_created ON outbox(created_at) WHERE state = 'queued';
                """
        )

        // peer_state — delivery backoff per destination (PROTOCOL §6):
        // attempts since the last success, when the next attempt may start,
        // the last error (no personal data), and whether an operator alert
        // was raised for the current run of failures (reset on success).
        try db.execute(
            sql: """
                CREATE TABLE peer_state (
                    destination_oin TEXT PRIMARY KEY NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    next_attempt_at INTEGER NOT NULL DEFAULT 0,
                    last_success_at INTEGER,
                    last_error TEXT,
                    alerted INTEGER NOT NULL DEFAULT 0 CHECK (alerted IN (0, 1))
                ) WITHOUT ROWID;
                """
        )

        // descriptors — the last verified descriptor of each peer (§7), cached
        // until exp: the compact JWS verbatim and when it was fetched.
        try db.execute(
            sql: """
                CREATE TABLE descriptors (
                    peer_oin TEXT PRIMARY KEY NOT NULL,
                    jws TEXT NOT NULL,
                    fetched_at INTEGER NOT NULL,
                    exp INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
        )

        // audit_log — the hash-chained, append-only audit log (§12).
        // - i: 1-based position, no gaps (an insert trigger only admits
        //   MAX(i) + 1, which also stops INSERT OR REPLACE from rewriting).
        // - at, actor, action: copies of members of entry_json, for queries;
        //   verification checks they agree with it.
        // - entry_json: the JCS of the entry object, the bytes that are hashed.
        // - h: lowercase hex of h_i = SHA-256(h_{i−1} ‖ JCS(entry_i)).
        // UPDATE and DELETE are refused by triggers; only a rewrite of the
        // file can change history, and the signed checkpoints outside the
        // database catch that.
        try db.execute(
            sql: """
                CREATE TABLE audit_log (
                    i INTEGER PRIMARY KEY CHECK (i >= 1),
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    entry_json TEXT NOT NULL,
                    h TEXT NOT NULL CHECK (length(h) = 64 AND h NOT GLOB '*[^0-9a-f]*')
                );
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
                END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
                END;
                CREATE TRIGGER audit_log_next_index BEFORE INSERT ON audit_log
                WHEN NEW.i IS NOT (SELECT COALESCE(MAX(i), 0) + 1 FROM audit_log)
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: i must be the next index');
                END;
                """
        )

        // alerts — conditions an operator must see (jti_conflict, a peer
        // answering 4xx, a stale CRL, …). detail names peers, hashes and
        // codes, never personal data; peer_oin is the peer concerned, if any.
        try db.execute(
            sql: """
                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    peer_oin TEXT,
                    detail TEXT NOT NULL,
                    acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1))
                );
                CREATE INDEX alerts_open ON alerts(id) WHERE acknowledged = 0;
                """
        )
    }
}
