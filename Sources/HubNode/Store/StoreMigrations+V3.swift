internal import GRDB

extension StoreMigrations {
    /// v3: cases, their persons and referrals (PROTOCOL §8–§9). Dates are
    /// `YYYY-MM-DD` days in Europe/Amsterdam; times are Unix seconds; ids are
    /// lowercase UUIDs. No column holds a readable BSN, name, birth date or
    /// contact: persons are a pseudonym (§8, this node's key) and an
    /// AES-256-GCM blob (see `IdentityVault`).
    static func v3(_ db: Database) throws {
        // cases — one family's case at this node.
        // - status open → closed, with closed_on and an outcome together.
        // - entry_phase, help_domains (JSON array of codes), referral_source,
        //   safety_*: the category data §9 shares and §11 counts.
        // - responsible_from: the day this node became responsible (opened_on,
        //   or a transfer's effective_date).
        // - origin_sender_oin, origin_referral_id: the incoming transfer this
        //   case was opened for, when it was.
        // - created_by: the staff CN who opened it.
        try db.execute(
            sql: """
                CREATE TABLE cases (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                    opened_on TEXT NOT NULL CHECK (length(opened_on) = 10),
                    closed_on TEXT CHECK (closed_on IS NULL OR length(closed_on) = 10),
                    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('de_escalated', 'stable', 'escalated',
                        'referred_on', 'dropped_out', 'transferred')),
                    entry_phase TEXT NOT NULL
                        CHECK (entry_phase IN ('relationship', 'separation_intent', 'post_separation')),
                    help_domains TEXT NOT NULL CHECK (json_valid(help_domains)
                        AND json_type(help_domains) = 'array' AND json_array_length(help_domains) BETWEEN 1 AND 5),
                    referral_source TEXT NOT NULL CHECK (referral_source IN ('municipality', 'gp', 'youth_doctor',
                        'certified_institution', 'medical_specialist', 'self', 'court')),
                    safety_veilig_thuis INTEGER NOT NULL CHECK (safety_veilig_thuis IN (0, 1)),
                    safety_child_protection_board INTEGER NOT NULL CHECK (safety_child_protection_board IN (0, 1)),
                    safety_court INTEGER NOT NULL CHECK (safety_court IN (0, 1)),
                    responsible_from TEXT NOT NULL CHECK (length(responsible_from) = 10),
                    origin_sender_oin TEXT,
                    origin_referral_id TEXT,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((status = 'closed') = (closed_on IS NOT NULL)),
                    CHECK ((status = 'closed') = (outcome IS NOT NULL)),
                    CHECK ((origin_sender_oin IS NULL) = (origin_referral_id IS NULL))
                ) STRICT;
                CREATE UNIQUE INDEX cases_on_origin ON cases(origin_sender_oin, origin_referral_id)
                    WHERE origin_sender_oin IS NOT NULL;
                CREATE INDEX cases_on_status ON cases(status, opened_on);
                """
        )

        // case_persons — the people of a case, in the order they were given.
        // - pseudonym: §8 with this node's key K (26 lowercase base32).
        // - age_band: children only (NULL when unknown).
        // - identity: 0x01 ‖ IV (12) ‖ AES-256-GCM(JCS {bsn, given_names,
        //   family_name, birth_date, contact}) ‖ tag (16), AAD = case_id ‖
        //   pseudonym; NULL once retention removed it (§13).
        try db.execute(
            sql: """
                CREATE TABLE case_persons (
                    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL CHECK (position >= 0),
                    role TEXT NOT NULL CHECK (role IN ('child', 'parent')),
                    pseudonym TEXT NOT NULL CHECK (length(pseudonym) = 26),
                    age_band TEXT CHECK (age_band IS NULL OR age_band IN ('0-3', '4-11', '12-17')),
                    identity BLOB,
                    PRIMARY KEY (case_id, position),
                    UNIQUE (case_id, pseudonym),
                    CHECK (role = 'child' OR age_band IS NULL)
                ) STRICT;
                CREATE INDEX case_persons_on_pseudonym ON case_persons(pseudonym);
                """
        )

        // referrals — both directions, keyed as §9 names them.
        // - direction: outgoing (this node is the sender; state mirrors the
        //   receiver's answers) or incoming (this node is the receiver and
        //   holds the authoritative state).
        // - case_id: outgoing, the case offered; incoming, the case this node
        //   opened when it accepted a transfer (NULL before, and for consults).
        // - category: the offer body without `sealed` (JCS).
        // - withdraw_pending, withdraw_reason: a withdraw sent, waiting for the
        //   receiver's receipt; too_late: the receiver refused it (§9).
        // - offer_hash: incoming, the inbox hash of the offer message (its JWS
        //   holds the sealed block); answer_receipt: the receipt that refused a
        //   withdraw, kept as proof when the message is not parked.
        try db.execute(
            sql: """
                CREATE TABLE referrals (
                    sender_oin TEXT NOT NULL CHECK (length(sender_oin) = 20),
                    referral_id TEXT NOT NULL CHECK (length(referral_id) = 36),
                    direction TEXT NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
                    peer_oin TEXT NOT NULL CHECK (length(peer_oin) = 20),
                    case_id TEXT REFERENCES cases(id) ON DELETE SET NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('transfer', 'consult')),
                    category TEXT NOT NULL CHECK (json_valid(category)),
                    effective_date TEXT NOT NULL CHECK (length(effective_date) = 10),
                    respond_by TEXT NOT NULL CHECK (length(respond_by) = 10),
                    priority TEXT NOT NULL CHECK (priority IN ('normal', 'urgent')),
                    has_sealed INTEGER NOT NULL CHECK (has_sealed IN (0, 1)),
                    state TEXT NOT NULL
                        CHECK (state IN ('offered', 'accepted', 'rejected', 'withdrawn', 'completed')),
                    reason TEXT,
                    withdraw_pending INTEGER NOT NULL DEFAULT 0 CHECK (withdraw_pending IN (0, 1)),
                    withdraw_reason TEXT,
                    too_late INTEGER NOT NULL DEFAULT 0 CHECK (too_late IN (0, 1)),
                    offer_hash TEXT,
                    answer_receipt TEXT,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (sender_oin, referral_id),
                    CHECK (direction = 'outgoing' OR offer_hash IS NOT NULL),
                    CHECK (withdraw_pending = 0 OR withdraw_reason IS NOT NULL)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX referrals_on_direction ON referrals(direction, state, respond_by);
                CREATE INDEX referrals_on_case ON referrals(case_id) WHERE case_id IS NOT NULL;
                """
        )
    }
}
