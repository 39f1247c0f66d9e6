public import GRDB

/// One row of `audit_log`: entry `i` of the hash chain (PROTOCOL §12).
///
/// Rows are written only by ``AuditLog/append(_:actor:action:at:in:)``; the
/// table refuses UPDATE and DELETE.
public struct AuditEntryRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_log"

    /// 1-based position in the chain.
    public var i: Int64
    /// When the audited event happened (Unix seconds).
    public var at: Int64
    /// Who acted: a staff CN, a peer OIN, or `node`.
    public var actor: String
    /// What was done, e.g. `message.received`.
    public var action: String
    /// The JCS of the entry object: the bytes hashed into the chain.
    public var entryJSON: String
    /// Lowercase hex of h_i = SHA-256(h_{i−1} ‖ JCS(entry_i)).
    public var h: String

    /// Makes a row.
    public init(i: Int64, at: Int64, actor: String, action: String, entryJSON: String, h: String) {
        self.i = i
        self.at = at
        self.actor = actor
        self.action = action
        self.entryJSON = entryJSON
        self.h = h
    }

    private enum CodingKeys: String, CodingKey {
        case i, at, actor, action, h
        case entryJSON = "entry_json"
    }
}
