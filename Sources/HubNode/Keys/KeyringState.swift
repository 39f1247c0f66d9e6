public import HubProtocol

/// What the node remembers about each of its encryption keys (PROTOCOL §7):
/// when it was made, superseded, withdrawn from the descriptor and
/// destroyed. Kept as `keyring.json` (mode 0600) in the key folder beside
/// the `<kid>.pem` files and the `current` file; ``KeyringSchedule`` moves
/// it forward.
public struct KeyringState: Sendable, Hashable {
    /// One key's dates, in Unix seconds.
    public struct Record: Sendable, Hashable {
        /// When the node made or first saw the key.
        public var createdAt: Int64
        /// When another key took the first place (the key is "superseded").
        public var retiredAt: Int64?
        /// When the key left the descriptor.
        public var withdrawnAt: Int64?
        /// When the key's file was destroyed.
        public var destroyedAt: Int64?

        /// Makes a record.
        public init(createdAt: Int64, retiredAt: Int64? = nil, withdrawnAt: Int64? = nil, destroyedAt: Int64? = nil) {
            self.createdAt = createdAt
            self.retiredAt = retiredAt
            self.withdrawnAt = withdrawnAt
            self.destroyedAt = destroyedAt
        }
    }

    /// Where a key is in its life.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Listed first in the descriptor; peers seal to it.
        case current
        /// Superseded, still listed after the current key, still opens.
        case retired
        /// No longer listed, still opens.
        case withdrawn
        /// Its file is gone; sealed data for it gets `unknown_key`.
        case destroyed
    }

    /// Records by `kid`.
    public var keys: [String: Record]

    /// Makes a state.
    public init(keys: [String: Record] = [:]) {
        self.keys = keys
    }

    /// The status of `kid`; `current` names the key the `current` file names.
    public func status(of kid: String, current: String) -> Status? {
        guard let record = keys[kid] else { return nil }
        if record.destroyedAt != nil { return .destroyed }
        if kid == current { return .current }
        if record.withdrawnAt != nil { return .withdrawn }
        return .retired
    }

    // MARK: - JSON

    /// `{"v":1,"keys":{"<kid>":{"created_at":…,"retired_at":…|null,"withdrawn_at":…|null,"destroyed_at":…|null}}}`.
    public var json: JSONValue {
        func time(_ t: Int64?) -> JSONValue { t.map { .integer($0) } ?? .null }
        return .object([
            "v": .integer(1),
            "keys": .object(
                keys.mapValues { r in
                    .object([
                        "created_at": .integer(r.createdAt), "retired_at": time(r.retiredAt),
                        "withdrawn_at": time(r.withdrawnAt), "destroyed_at": time(r.destroyedAt),
                    ])
                }
            ),
        ])
    }

    /// Parses the state file's bytes; the error names the member at fault.
    public init(json bytes: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw HubProtocolError(.file, "keyring.json is not JSON")
        }
        guard value["v"]?.intValue == 1, let members = value["keys"]?.objectValue else {
            throw HubProtocolError(.file, "keyring.json must be {\"v\":1,\"keys\":{…}}")
        }
        var keys: [String: Record] = [:]
        for (kid, entry) in members {
            guard kid.utf8.count == 43, Base64URL.decode(kid)?.count == 32 else {
                throw HubProtocolError(
                    .file,
                    "keyring.json: a member of keys is not a key thumbprint (43 base64url characters)"
                )
            }
            func time(_ name: String) throws -> Int64? {
                guard let member = entry[name], !member.isNull else { return nil }
                guard let t = member.intValue, t >= 0 else {
                    throw HubProtocolError(.file, "keyring.json: \(kid).\(name) must be Unix seconds or null")
                }
                return t
            }
            guard let created = try time("created_at") else {
                throw HubProtocolError(.file, "keyring.json: \(kid).created_at is required")
            }
            keys[kid] = Record(
                createdAt: created,
                retiredAt: try time("retired_at"),
                withdrawnAt: try time("withdrawn_at"),
                destroyedAt: try time("destroyed_at")
            )
        }
        self.keys = keys
    }
}
