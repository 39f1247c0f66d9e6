public import GRDB

/// One row of `alerts`: a condition an operator must see.
///
/// `detail` and `peerOIN` name peers, hashes and codes, never personal data.
public struct AlertRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    /// What kind of condition this is (extensible without a schema change).
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, DatabaseValueConvertible {
        /// The snake_case name.
        public var rawValue: String

        /// Makes a kind from its snake_case name.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The same `(iss, jti)` arrived with different bytes (PROTOCOL §5).
        public static let jtiConflict = Self(rawValue: "jti_conflict")
        /// A peer answered a whole batch with a 4xx other than 408/413/429 (§6).
        public static let peer4xx = Self(rawValue: "peer_4xx")
        /// A peer answered a descriptor fetch with a 4xx (§6).
        public static let descriptor4xx = Self(rawValue: "descriptor_4xx")
        /// A CRL is past its `nextUpdate` (§1).
        public static let staleCRL = Self(rawValue: "stale_crl")
        /// Messages were parked (§6).
        public static let parked = Self(rawValue: "parked")
    }

    public static let databaseTableName = "alerts"

    /// Row id, set on insert.
    public var id: Int64?
    /// When the alert was raised.
    public var at: Int64
    /// What kind of condition this is.
    public var kind: Kind
    /// The peer concerned, if any.
    public var peerOIN: String?
    /// What happened, without personal data.
    public var detail: String
    /// Whether an operator has acknowledged it.
    public var acknowledged: Bool

    /// Makes an unacknowledged alert.
    public init(at: Int64, kind: Kind, peerOIN: String?, detail: String) {
        self.id = nil
        self.at = at
        self.kind = kind
        self.peerOIN = peerOIN
        self.detail = detail
        self.acknowledged = false
    }

    private enum CodingKeys: String, CodingKey {
        case id, at, kind, detail, acknowledged
        case peerOIN = "peer_oin"
    }

    /// Records the row id after an insert.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
