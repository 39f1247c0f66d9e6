public import HubProtocol
internal import Synchronization

/// This node's own signed descriptor (PROTOCOL §7), re-signed when half its
/// lifetime has passed or when keys or identity change.
public final class DescriptorPublisher: Sendable {
    /// What the descriptor says besides identity and time.
    public struct Contents: Sendable {
        /// The public endpoint peers dial, `https://host:port`.
        public var endpoint: String
        /// Encryption keys, newest first.
        public var encryptionKeys: [ECPublicJWK]
        /// Capabilities this node receives.
        public var capabilities: [String]

        /// Makes contents.
        public init(
            endpoint: String,
            encryptionKeys: [ECPublicJWK],
            capabilities: [String] = ["referral/1", "methodology/1", "stats/1"]
        ) {
            self.endpoint = endpoint
            self.encryptionKeys = encryptionKeys
            self.capabilities = capabilities
        }
    }

    private struct Cached {
        var jws: String
        var iat: Int64
        var exp: Int64
    }

    private let lifetime: Int64
    private let contents: Mutex<Contents>
    private let cached = Mutex<Cached?>(nil)

    /// Makes a publisher; `lifetime` is `exp − iat` in seconds (≤ 7 days).
    public init(contents: Contents, lifetime: Int64 = 86_400) {
        precondition(lifetime > 0 && lifetime <= 7 * 86_400, "a descriptor lives at most 7 days")
        self.contents = Mutex(contents)
        self.lifetime = lifetime
    }

    /// Replaces the contents (key rotation, reload); the next call re-signs.
    public func update(_ contents: Contents) {
        self.contents.withLock { $0 = contents }
        cached.withLock { $0 = nil }
    }

    /// Replaces the encryption keys (key rotation); the next call re-signs
    /// when they changed.
    public func updateEncryptionKeys(_ keys: [ECPublicJWK]) {
        let changed = contents.withLock { c in
            guard c.encryptionKeys != keys else { return false }
            c.encryptionKeys = keys
            return true
        }
        if changed { invalidate() }
    }

    /// Forces re-signing (for example after the signing key changed).
    public func invalidate() {
        cached.withLock { $0 = nil }
    }

    /// The current compact JWS, signed by `identity`.
    public func descriptor(identity: NodeIdentity, now: Int64) throws -> String {
        if let c = cached.withLock({ $0 }), now < c.iat + lifetime / 2, now >= c.iat - 60 {
            return c.jws
        }
        let c = contents.withLock { $0 }
        let payload = DescriptorPayload(
            iss: identity.oin,
            iat: now,
            exp: now + lifetime,
            name: identity.name,
            municipalityCode: identity.municipalityCode,
            endpoint: c.endpoint,
            encKeys: c.encryptionKeys,
            capabilities: c.capabilities
        )
        let jws = try identity.signer.sign(encoding: payload, typ: .descriptor)
        cached.withLock { $0 = Cached(jws: jws, iat: now, exp: now + lifetime) }
        return jws
    }
}
