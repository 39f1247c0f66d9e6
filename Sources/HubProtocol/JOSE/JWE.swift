/// Sealed data (PROTOCOL §7): a compact JWE (RFC 7516 §7.1) for exactly one
/// recipient, `ECDH-ES` direct key agreement on P-256 with the Concat KDF
/// (RFC 7518 §4.6) and `A256GCM` content encryption (RFC 7518 §5.3).
///
/// The compact form is `header . "" . iv . ciphertext . tag`: the encrypted
/// key part is empty because the agreed key *is* the content key. The
/// additional authenticated data is the ASCII of the encoded header as it
/// travels (RFC 7516 §5.1 step 14), so a change to any character of any part
/// makes opening fail.
///
/// Opening is strict: five parts of canonical unpadded base64url, a header
/// with exactly the members of ``JWEHeader``, an `epk` on P-256, a 12-byte IV
/// and a 16-byte tag. Every failure is `invalid_body`, except a `kid` the
/// recipient does not hold, which is `unknown_key` (the sender re-seals to the
/// current descriptor). The header's byte layout is not checked against JCS:
/// it is authenticated as received, and other JOSE libraries lay it out their own way.
public enum JWE {
    /// The IV length, in bytes.
    public static let ivByteCount = 12
    /// The tag length, in bytes.
    public static let tagByteCount = 16
    /// The content key length, in bits.
    static let keyBitLength = 256

    /// Seals `plaintext` to `recipient` with a fresh ephemeral key and IV.
    ///
    /// `kid` is the recipient's `kid`, or its RFC 7638 thumbprint when it has
    /// none. The header is serialised with JCS.
    public static func seal(
        plaintext: [UInt8],
        to recipient: ECPublicJWK,
        senderOIN: String,
        recipientOIN: String,
        ref: String
    ) throws -> String {
        try seal(
            plaintext: plaintext,
            to: recipient,
            senderOIN: senderOIN,
            recipientOIN: recipientOIN,
            ref: ref,
            ephemeralKey: try P256PrivateKey(),
            iv: SecureRandom.bytes(ivByteCount)
        )
    }

    /// Seals with a given ephemeral key and IV: for tests only, as reusing
    /// either breaks the scheme.
    static func seal(
        plaintext: [UInt8],
        to recipient: ECPublicJWK,
        senderOIN: String,
        recipientOIN: String,
        ref: String,
        ephemeralKey: P256PrivateKey,
        iv: [UInt8]
    ) throws -> String {
        guard !senderOIN.isEmpty, !recipientOIN.isEmpty, !ref.isEmpty else {
            throw HubProtocolError(.invalidBody, "a JWE needs a sender OIN, a recipient OIN and a ref")
        }
        precondition(iv.count == ivByteCount, "a JWE IV is 12 bytes")
        let header = JWEHeader(
            kid: recipient.kid ?? recipient.thumbprint(),
            ephemeralKey: ephemeralKey.publicKey,
            senderOIN: senderOIN,
            recipientOIN: recipientOIN,
            ref: ref
        )
        let encodedHeader = Base64URL.encode(JCS.serialize(header.jsonValue))
        var key = try ECDHES.deriveKey(
            privateKey: ephemeralKey,
            peer: recipient.publicKey,
            algorithmID: JWEHeader.encryption,
            partyUInfo: header.partyUInfo,
            partyVInfo: header.partyVInfo,
            keyBitLength: keyBitLength
        )
        defer { zeroize(&key) }
        let sealed = try AESGCM.seal(key: key, iv: iv, plaintext: plaintext, aad: Array(encodedHeader.utf8))
        return [
            encodedHeader, "", Base64URL.encode(iv), Base64URL.encode(sealed.ciphertext), Base64URL.encode(sealed.tag),
        ]
        .joined(separator: ".")
    }

    /// Opens a JWE with the one private key the recipient holds under `keyID`.
    public static func open(
        _ compact: String,
        with key: P256PrivateKey,
        keyID: String,
        expectedSenderOIN: String,
        expectedRecipientOIN: String,
        expectedRef: String
    ) throws -> [UInt8] {
        try open(
            compact,
            keys: { $0 == keyID ? key : nil },
            expectedSenderOIN: expectedSenderOIN,
            expectedRecipientOIN: expectedRecipientOIN,
            expectedRef: expectedRef
        )
    }

    /// Opens a JWE, finding the private key by `kid` (current and retired keys).
    ///
    /// The header is checked against the message that carries the JWE before
    /// any key is looked up: `apu`, `apv` and `ref` must equal the expected
    /// sender OIN, recipient OIN and referral ID [`invalid_body`]; then `keys`
    /// must know the `kid` [`unknown_key`]; then the tag must verify
    /// [`invalid_body`]. No plaintext is returned unless all of that holds.
    public static func open(
        _ compact: String,
        keys: (String) throws -> P256PrivateKey?,
        expectedSenderOIN: String,
        expectedRecipientOIN: String,
        expectedRef: String
    ) throws -> [UInt8] {
        let parts = try Parts(compact)
        let header = parts.header
        guard header.senderOIN == expectedSenderOIN else { throw invalid("JWE \"apu\" is not the sender's OIN") }
        guard header.recipientOIN == expectedRecipientOIN else { throw invalid("JWE \"apv\" is not this node's OIN") }
        guard header.ref == expectedRef else { throw invalid("JWE \"ref\" is not the referral the message is about") }
        guard let privateKey = try keys(header.kid) else {
            throw HubProtocolError(.unknownKey, "the JWE is sealed to a key this node does not hold")
        }
        do {
            var key = try ECDHES.deriveKey(
                privateKey: privateKey,
                peer: header.ephemeralKey,
                algorithmID: JWEHeader.encryption,
                partyUInfo: header.partyUInfo,
                partyVInfo: header.partyVInfo,
                keyBitLength: keyBitLength
            )
            defer { zeroize(&key) }
            return try AESGCM.open(key: key, iv: parts.iv, ciphertext: parts.ciphertext, tag: parts.tag, aad: parts.aad)
        } catch let error as HubProtocolError {
            throw HubProtocolError(
                .invalidBody,
                "the JWE does not open: \(error.message)",
                openSSLErrors: error.openSSLErrors
            )
        }
    }

    /// The checked protected header of a JWE, without opening it.
    public static func header(of compact: String) throws -> JWEHeader {
        try Parts(compact).header
    }

    static func invalid(_ message: String) -> HubProtocolError { HubProtocolError(.invalidBody, message) }

    /// The five parts, decoded and checked.
    struct Parts {
        let header: JWEHeader
        let aad: [UInt8]
        let iv: [UInt8]
        let ciphertext: [UInt8]
        let tag: [UInt8]

        init(_ compact: String) throws {
            let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 5 else { throw invalid("a compact JWE has 5 parts, this has \(parts.count)") }
            guard parts[1].isEmpty else { throw invalid("the JWE encrypted key must be empty for ECDH-ES") }
            guard let headerBytes = Base64URL.decode(parts[0]), !headerBytes.isEmpty else {
                throw invalid("the JWE header is not canonical base64url")
            }
            let json: JSONValue
            do {
                json = try JSONParser.parse(headerBytes, options: .strict)
            } catch let error as HubProtocolError {
                throw invalid("the JWE header is not I-JSON: \(error.message)")
            }
            header = try JWEHeader(json: json)
            guard let iv = Base64URL.decode(parts[2]), iv.count == ivByteCount else {
                throw invalid("the JWE IV must be canonical base64url of 12 bytes")
            }
            guard let ciphertext = Base64URL.decode(parts[3]) else {
                throw invalid("the JWE ciphertext is not canonical base64url")
            }
            guard let tag = Base64URL.decode(parts[4]), tag.count == tagByteCount else {
                throw invalid("the JWE tag must be canonical base64url of 16 bytes")
            }
            self.aad = Array(parts[0].utf8)
            self.iv = iv
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }
}

extension HubProtocolError.Code {
    /// A message body is not as specified, or its sealed data does not open
    /// (PROTOCOL §4 step 10); the receipt reason code of the same name.
    public static let invalidBody = Self("invalid_body")
    /// Sealed data names a `kid` the recipient does not hold (PROTOCOL §7); transient.
    public static let unknownKey = Self("unknown_key")
}
