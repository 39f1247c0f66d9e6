public import HubProtocol

/// A point of the audit chain, `(i, h_i)`, as signed daily into the
/// checkpoint file outside the database (PROTOCOL §12).
///
/// Signing and verifying the JWS happen elsewhere; this type builds and reads
/// its payload `{"i":…,"h_i":"<lowercase hex>","iat":…}`.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The JWS `typ` of a signed checkpoint.
    public static let typ = "hub-audit-checkpoint+jws"

    /// Index of the last entry covered (0 for an empty log).
    public var index: Int64
    /// Lowercase hex of h_index (32 zero bytes for index 0).
    public var hashHex: String

    /// Makes a checkpoint.
    public init(index: Int64, hashHex: String) {
        self.index = index
        self.hashHex = hashHex
    }

    /// The payload to sign, issued at `issuedAt`.
    public func payload(issuedAt: Int64) -> JSONValue {
        .object(["i": .integer(index), "h_i": .string(hashHex), "iat": .integer(issuedAt)])
    }

    /// Reads a verified checkpoint payload.
    ///
    /// - Throws: ``HubNodeError`` `.invalid` unless the payload has exactly the
    ///   members `i` (a non-negative integer), `h_i` (64 lowercase hex digits)
    ///   and `iat` (an integer).
    public init(payload: JSONValue) throws {
        guard let members = payload.objectValue, Set(members.keys) == ["i", "h_i", "iat"] else {
            throw HubNodeError(.invalid, "audit checkpoint: payload must have exactly i, h_i and iat", detail: .store())
        }
        guard let index = members["i"]?.intValue, index >= 0 else {
            throw HubNodeError(.invalid, "audit checkpoint: i must be a non-negative integer", detail: .store())
        }
        guard let hash = members["h_i"]?.stringValue, Self.isLowercaseHexDigest(hash) else {
            throw HubNodeError(.invalid, "audit checkpoint: h_i must be 64 lowercase hex digits", detail: .store())
        }
        guard members["iat"]?.intValue != nil else {
            throw HubNodeError(.invalid, "audit checkpoint: iat must be an integer", detail: .store())
        }
        self.init(index: index, hashHex: hash)
    }

    static func isLowercaseHexDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
