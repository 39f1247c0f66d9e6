public import GRDB

/// The cache of peers' descriptors over `descriptors` (PROTOCOL §7).
///
/// The caller verifies a descriptor (signature, `iss` = configured OIN = TLS
/// server's OIN) before saving it. Every function works inside the caller's
/// transaction.
public enum Descriptors {
    /// Stores `row`, replacing the peer's previous descriptor.
    public static func save(_ row: DescriptorRow, in db: Database) throws {
        try row.save(db)
    }

    /// The peer's stored descriptor if it is still valid at `now`
    /// (`exp` > `now`), else nil.
    public static func current(peer: String, now: Int64, in db: Database) throws -> DescriptorRow? {
        try DescriptorRow.fetchOne(
            db,
            sql: "SELECT * FROM descriptors WHERE peer_oin = ? AND exp > ?",
            arguments: [peer, now]
        )
    }

    /// The peer's stored descriptor, valid or not.
    public static func get(peer: String, in db: Database) throws -> DescriptorRow? {
        try DescriptorRow.fetchOne(db, key: peer)
    }
}
