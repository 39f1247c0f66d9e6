public import GRDB

/// One row of `descriptors`: a peer's last verified descriptor (PROTOCOL §7).
public struct DescriptorRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "descriptors"

    /// OIN of the peer.
    public var peerOIN: String
    /// The descriptor's compact JWS, verbatim.
    public var jws: String
    /// When it was fetched.
    public var fetchedAt: Int64
    /// The descriptor's `exp`: used until then.
    public var exp: Int64

    /// Makes a row.
    public init(peerOIN: String, jws: String, fetchedAt: Int64, exp: Int64) {
        self.peerOIN = peerOIN
        self.jws = jws
        self.fetchedAt = fetchedAt
        self.exp = exp
    }

    private enum CodingKeys: String, CodingKey {
        case jws, exp
        case peerOIN = "peer_oin"
        case fetchedAt = "fetched_at"
    }
}
