/// Verifies the hub's signed objects in the order of PROTOCOL §4, stopping at
/// the first failure with its reason code.
///
/// Steps 1–5 are the same for every `typ`; ``verifyMessage(_:typ:tlsPeerOIN:ownOIN:at:)``
/// adds steps 6–8 for messages and stats queries. Steps 9–10 need the node's
/// state and happen there.
public struct JWSVerifier: Sendable {
    /// The federation trust bundle (node certificates only).
    public let federation: TrustBundle
    /// Clock skew tolerated, in seconds (PROTOCOL §1: 300).
    public var skew: Int64 = 300

    /// Makes a verifier over the federation bundle.
    public init(federation: TrustBundle) {
        self.federation = federation
    }

    /// Steps 1–5: structure, header, certificate chain, signature, canonical payload.
    public func verify(_ compact: String, typ: JWSType, at now: Int64) throws(JWSFailure) -> VerifiedJWS {
        let jws = try CompactJWS(compact)
        let (leaf, intermediates) = try Self.checkHeader(jws, typ: typ)
        let chain: VerifiedChain
        do {
            chain = try federation.verify(leaf: leaf, intermediates: intermediates, at: now)
        } catch {
            throw JWSFailure(.untrustedCertificate, "the x5c chain does not verify: \(Self.describe(error))")
        }
        if let role = leaf.role, role != .node {
            throw JWSFailure(
                .untrustedCertificate,
                "the signing certificate carries role \(role.rawValue); federation certificates may only carry urn:hub:role:node"
            )
        }
        guard let key = leaf.publicKey else {
            throw JWSFailure(.untrustedCertificate, "the signing certificate's key is not EC P-256")
        }
        guard jws.verifiesES256(with: key) else {
            throw JWSFailure(.badSignature, "the ES256 signature does not verify")
        }
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(jws.payload, options: .init(integersOnly: true))
        } catch {
            throw JWSFailure(.malformed, "the payload is not I-JSON: \(Self.describe(error))")
        }
        guard payload.objectValue != nil else { throw JWSFailure(.malformed, "the payload is not a JSON object") }
        guard JCS.serialize(payload) == jws.payload else {
            throw JWSFailure(.nonCanonical, "the payload bytes are not the JCS (RFC 8785) serialisation of its value")
        }
        return VerifiedJWS(jws: jws, typ: typ, payload: payload, signer: leaf, chain: chain)
    }

    /// Steps 1–8 for a `hub-msg+jws` or `hub-stats-query+jws`.
    ///
    /// - Parameters:
    ///   - tlsPeerOIN: the OIN of the TLS client that delivered it, when there is one.
    ///   - ownOIN: this node's OIN (`aud` must equal it); nil skips the audience check
    ///     (for tools that inspect a message on an operator's behalf).
    public func verifyMessage(
        _ compact: String,
        typ: JWSType = .message,
        tlsPeerOIN: String?,
        ownOIN: String?,
        at now: Int64
    ) throws(JWSFailure) -> VerifiedMessage {
        precondition(typ == .message || typ == .statsQuery, "verifyMessage is for messages and stats queries")
        let verified = try verify(compact, typ: typ, at: now)
        // Step 6: exact members and their basic types.
        try Self.requireMembers(verified.payload, typ: typ)
        let payload: MessagePayload
        do {
            payload = try JSONValueDecoder().decode(MessagePayload.self, from: verified.payload)
        } catch {
            throw JWSFailure(.invalidBody, Self.describe(error))
        }
        if typ == .statsQuery, payload.type != "stats.query" {
            throw JWSFailure(.invalidBody, "type must be \"stats.query\"")
        }
        // Step 7.
        guard let signerOIN = verified.signer.oin, payload.iss == signerOIN else {
            throw JWSFailure(.identityMismatch, "iss is not the OIN of the signing certificate")
        }
        if let tlsPeerOIN, payload.iss != tlsPeerOIN {
            throw JWSFailure(.identityMismatch, "iss is not the OIN of the TLS client that delivered it")
        }
        if let ownOIN, payload.aud != ownOIN {
            throw JWSFailure(.wrongAudience, "aud is not this node's OIN")
        }
        // Step 8.
        try Self.checkTimes(iat: payload.iat, exp: payload.exp, typ: typ, now: now, skew: skew)
        return VerifiedMessage(jws: verified, payload: payload)
    }

    /// Step 8's time rules for objects with `iat` and `exp`.
    public static func checkTimes(
        iat: Int64,
        exp: Int64,
        typ: JWSType,
        now: Int64,
        skew: Int64 = 300
    ) throws(JWSFailure) {
        guard iat <= now + skew else {
            throw JWSFailure(.notYetValid, "iat is more than \(skew) s in the future")
        }
        guard exp > now - skew else {
            throw JWSFailure(.expired, "exp has passed")
        }
        guard iat < exp else { throw JWSFailure(.expired, "exp is not after iat") }
        if let limit = typ.maxLifetime, exp - iat > limit {
            throw JWSFailure(.expired, "exp − iat exceeds \(limit) s for \(typ.rawValue)")
        }
    }

    /// Step 6's member-set rule: exactly the members of the `typ`.
    public static func requireMembers(_ payload: JSONValue, typ: JWSType) throws(JWSFailure) {
        let members = Set(payload.objectValue.map { Array($0.keys) } ?? [])
        let expected = typ.payloadMembers
        if let extra = members.subtracting(expected).sorted().first {
            throw JWSFailure(.invalidBody, "unknown payload member \"\(Self.printable(extra))\" for \(typ.rawValue)")
        }
        if let missing = expected.subtracting(members).sorted().first {
            throw JWSFailure(.invalidBody, "payload member \"\(missing)\" is missing")
        }
    }

    /// The `ref_jti` a receipt carries for `compact` (PROTOCOL §5): the payload's
    /// `jti` when the payload decodes and parses and holds a lowercase UUID `jti`.
    public static func refJTI(of compact: String) -> String? {
        guard compact.utf8.count <= CompactJWS.maxSize else { return nil }
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, Base64URL.decode(parts[0]) != nil, Base64URL.decode(parts[2]) != nil,
            let bytes = Base64URL.decode(parts[1]),
            let value = try? JSONParser.parse(bytes, options: .init(integersOnly: true)),
            let jti = value["jti"]?.stringValue, HubUUID.isLowercaseUUID(jti)
        else { return nil }
        return jti
    }

    static func checkHeader(_ jws: CompactJWS, typ: JWSType) throws(JWSFailure) -> (Certificate, [Certificate]) {
        let header: JSONValue
        do {
            header = try JSONParser.parse(jws.header)
        } catch {
            throw JWSFailure(.malformed, "the protected header is not JSON: \(Self.describe(error))")
        }
        guard let members = header.objectValue else {
            throw JWSFailure(.malformed, "the protected header is not a JSON object")
        }
        guard Set(members.keys) == ["alg", "typ", "x5c"] else {
            throw JWSFailure(.badHeader, "the protected header must have exactly the members alg, typ and x5c")
        }
        guard members["alg"] == .string("ES256") else { throw JWSFailure(.badHeader, "alg must be ES256") }
        guard members["typ"] == .string(typ.rawValue) else {
            throw JWSFailure(.badHeader, "typ must be \(typ.rawValue) here")
        }
        guard let x5c = members["x5c"]?.arrayValue, (1...4).contains(x5c.count) else {
            throw JWSFailure(.badHeader, "x5c must be an array of 1 to 4 certificates")
        }
        var certificates: [Certificate] = []
        for (i, element) in x5c.enumerated() {
            guard let text = element.stringValue, let der = Base64URL.decodeStandard(text) else {
                throw JWSFailure(.badHeader, "x5c[\(i)] is not standard padded base64")
            }
            guard der.count <= 8192 else { throw JWSFailure(.badHeader, "x5c[\(i)] is larger than 8 KiB of DER") }
            guard let certificate = try? Certificate(der: der) else {
                throw JWSFailure(.badHeader, "x5c[\(i)] is not a DER X.509 certificate")
            }
            certificates.append(certificate)
        }
        return (certificates[0], Array(certificates.dropFirst()))
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HubProtocolError { return e.message }
        return "\(error)"
    }

    /// A member name safe to echo: printable ASCII only, at most 40 characters.
    static func printable(_ name: String) -> String {
        String(
            name.unicodeScalars.prefix(40).map {
                $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?"
            }
        )
    }
}

/// A signed object that passed steps 1–5.
public struct VerifiedJWS: Sendable {
    /// The parsed compact JWS.
    public let jws: CompactJWS
    /// Its `typ`.
    public let typ: JWSType
    /// The parsed payload (an object).
    public let payload: JSONValue
    /// The signing (leaf) certificate.
    public let signer: Certificate
    /// The verified chain, with its CRL warning.
    public let chain: VerifiedChain

    /// The content address `hash(m)`.
    public var hash: String { CompactJWS.hash(jws.compact) }

    /// Decodes the payload as `T`, mapping failures to `invalid_body`.
    public func decode<T: Decodable>(_ type: T.Type) throws(JWSFailure) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: payload)
        } catch {
            throw JWSFailure(.invalidBody, JWSVerifier.describe(error))
        }
    }
}

/// A message or stats query that passed steps 1–8.
public struct VerifiedMessage: Sendable {
    /// The verified JWS.
    public let jws: VerifiedJWS
    /// The envelope; `body` is checked per type at step 10.
    public let payload: MessagePayload

    /// The content address `hash(m)`.
    public var hash: String { jws.hash }

    /// Decodes the body as `T`, mapping failures to `invalid_body`.
    public func body<T: Decodable>(_ type: T.Type) throws(JWSFailure) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: payload.body)
        } catch {
            throw JWSFailure(.invalidBody, "body: " + JWSVerifier.describe(error))
        }
    }
}
