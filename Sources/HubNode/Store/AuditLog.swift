public import GRDB
public import HubProtocol

/// The append-only, hash-chained audit log over `audit_log` (PROTOCOL §12).
///
/// Entry i is the object `{"i":i,"at":…,"actor":…,"action":…,"details":<entry>}`;
/// its JCS is stored in `entry_json` and chained as
/// `h_i = SHA-256(h_{i−1} ‖ JCS(entry_i))` over raw 32-byte digests, with
/// `h_0` = 32 zero bytes. Putting `i`, `at`, `actor` and `action` inside the
/// hashed bytes means the queryable columns cannot be altered unnoticed.
///
/// ``append(_:actor:action:at:in:)`` runs in the caller's transaction, so an
/// audited change and its entry commit together: a request whose entry cannot
/// be written fails. Entries name case and referral ids and staff CNs, never
/// a citizen's BSN, name or pseudonym.
public enum AuditLog {
    /// h_0: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The entry object that is hashed for entry `index`.
    public static func entryObject(
        _ details: JSONValue,
        index: Int64,
        actor: String,
        action: String,
        at: Int64
    ) -> JSONValue {
        .object([
            "i": .integer(index), "at": .integer(at), "actor": .string(actor), "action": .string(action),
            "details": details,
        ])
    }

    /// Appends an entry to the chain.
    ///
    /// - Parameters:
    ///   - entry: what happened (hashes, ids, codes; no personal data).
    ///   - actor: a staff CN, a peer OIN, or `node`.
    ///   - action: what was done, e.g. `message.received`.
    ///   - at: when (Unix seconds).
    /// - Returns: the new entry's index and the lowercase hex of its h_i.
    /// - Throws: ``HubNodeError`` `.invalid` when `entry` is not I-JSON,
    ///   `.corrupt` when the previous entry's hash is unreadable, or what
    ///   SQLite reports.
    @discardableResult
    public static func append(
        _ entry: JSONValue,
        actor: String,
        action: String,
        at: Int64,
        in db: Database
    ) throws -> (index: Int64, hashHex: String) {
        let last = try Row.fetchOne(db, sql: "SELECT i, h FROM audit_log ORDER BY i DESC LIMIT 1")
        var previous = genesis
        var index: Int64 = 1
        if let last {
            let i: Int64 = last["i"]
            let h: String = last["h"]
            guard let digest = Hex.decode(h), digest.count == 32 else {
                throw HubNodeError(
                    .corrupt,
                    "audit_log: the hash of entry \(i) is not 32 bytes of hex",
                    detail: .store()
                )
            }
            previous = digest
            index = i + 1
        }
        let object = entryObject(entry, index: index, actor: actor, action: action, at: at)
        do {
            try object.validate()
        } catch {
            throw HubNodeError(
                .invalid,
                "audit_log: the entry is not I-JSON (\(error))",
                detail: .store(),
                cause: error
            )
        }
        let bytes = JCS.serialize(object)
        let hashHex = Hex.encode(SHA256.hash(previous + bytes))
        try HubNodeError.catchingDatabaseError {
            try AuditEntryRow(
                i: index,
                at: at,
                actor: actor,
                action: action,
                entryJSON: String(decoding: bytes, as: UTF8.self),
                h: hashHex
            ).insert(db)
        }
        return (index, hashHex)
    }

    /// The newest `(i, h_i)` to sign as today's checkpoint; `(0, h_0)` for an
    /// empty log. Run ``verify(against:in:)`` with the earlier checkpoints
    /// first, so a checkpoint never vouches for a rewritten chain.
    public static func checkpoint(in db: Database) throws -> AuditCheckpoint {
        guard let last = try Row.fetchOne(db, sql: "SELECT i, h FROM audit_log ORDER BY i DESC LIMIT 1") else {
            return AuditCheckpoint(index: 0, hashHex: Hex.encode(genesis))
        }
        return AuditCheckpoint(index: last["i"], hashHex: last["h"])
    }

    /// Entries from index `from` on, at most `limit` of them.
    public static func entries(from: Int64 = 1, limit: Int = 1000, in db: Database) throws -> [AuditEntryRow] {
        try AuditEntryRow.fetchAll(
            db,
            sql: "SELECT * FROM audit_log WHERE i >= ? ORDER BY i LIMIT ?",
            arguments: [from, limit]
        )
    }

    /// Recomputes the chain from the stored entries and names the first entry
    /// that cannot be trusted.
    ///
    /// Without checkpoints this catches edits of single rows (hash mismatch,
    /// entry mismatch) and deletions (gap), naming the row. A database
    /// rewritten with a recomputed chain is caught only by `checkpoints` (read
    /// from the signed file): at the first checkpoint the recomputed chain
    /// disagrees with, or that lies past the end of the log, every entry after
    /// the last matching checkpoint is suspect (stored hashes can have been
    /// recomputed from any of them), so the first one is named. When both
    /// kinds of break are found, the earlier index is reported.
    public static func verify(
        against checkpoints: [AuditCheckpoint] = [],
        in db: Database
    ) throws -> AuditVerification {
        let checkpoints = checkpoints.sorted { $0.index < $1.index }
        var next = 0  // first checkpoint not yet compared
        var lastMatching: Int64?
        var chainBreak: AuditVerification.Break?
        var checkpointBreak: AuditVerification.Break?
        var hash = genesis
        var expected: Int64 = 1
        var lastIndex: Int64 = 0
        var checked = 0

        // Returns false at the first checkpoint at or before `index` that disagrees.
        func compareCheckpoints(through index: Int64, presentIndex: Int64) -> Bool {
            while next < checkpoints.count, checkpoints[next].index <= index {
                let checkpoint = checkpoints[next]
                next += 1
                if checkpoint.index == presentIndex, checkpoint.hashHex == Hex.encode(hash) {
                    lastMatching = checkpoint.index
                    continue
                }
                checkpointBreak = .init(
                    index: (lastMatching ?? 0) + 1,
                    failure: .checkpointMismatch(checkpointIndex: checkpoint.index)
                )
                return false
            }
            return true
        }

        if compareCheckpoints(through: 0, presentIndex: 0) {
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT i, at, actor, action, entry_json, h FROM audit_log ORDER BY i"
            )
            while let row = try rows.next() {
                let i: Int64 = row["i"]
                let entryJSON: String = row["entry_json"]
                let storedHash: String = row["h"]
                if i != expected, chainBreak == nil {
                    chainBreak = .init(index: expected, failure: .gap)
                }
                hash = SHA256.hash(hash + Array(entryJSON.utf8))
                if chainBreak == nil, storedHash != Hex.encode(hash) {
                    chainBreak = .init(index: i, failure: .hashMismatch)
                }
                if chainBreak == nil,
                    !entryMatches(entryJSON, i: i, at: row["at"], actor: row["actor"], action: row["action"])
                {
                    chainBreak = .init(index: i, failure: .entryMismatch)
                }
                checked += 1
                lastIndex = i
                expected = i + 1
                if !compareCheckpoints(through: i, presentIndex: i) { break }
            }
            if checkpointBreak == nil, next < checkpoints.count {
                checkpointBreak = .init(
                    index: (lastMatching ?? 0) + 1,
                    failure: .checkpointBeyondEnd(checkpointIndex: checkpoints[next].index)
                )
            }
        }

        let firstBreak: AuditVerification.Break? =
            switch (chainBreak, checkpointBreak) {
            case (let a?, let b?): b.index < a.index ? b : a
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): nil
            }
        return AuditVerification(
            entriesChecked: checked,
            lastIndex: lastIndex,
            lastHashHex: Hex.encode(hash),
            lastMatchingCheckpoint: lastMatching,
            firstBreak: firstBreak
        )
    }

    /// Whether `entryJSON` is the JCS of an entry object whose members agree
    /// with the row's columns.
    private static func entryMatches(_ entryJSON: String, i: Int64, at: Int64, actor: String, action: String) -> Bool {
        guard let value = try? JSONParser.parse(entryJSON),
            let members = value.objectValue,
            Set(members.keys) == ["i", "at", "actor", "action", "details"],
            JCS.serialize(value) == Array(entryJSON.utf8)
        else { return false }
        return members["i"]?.intValue == i && members["at"]?.intValue == at
            && members["actor"]?.stringValue == actor && members["action"]?.stringValue == action
    }
}
