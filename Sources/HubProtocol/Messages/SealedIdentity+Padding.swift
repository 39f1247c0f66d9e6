extension SealedIdentity {
    /// The plaintext a sealer encrypts: the JCS serialisation with `"pad"`, spaces
    /// that bring its length to a multiple of 1 KiB (PROTOCOL §7), so the
    /// ciphertext's size says little about the family.
    public func paddedJCS() throws -> [UInt8] {
        guard case .object(var members) = try JSONValueEncoder().encode(self) else {
            preconditionFailure("SealedIdentity encodes as an object")
        }
        members["pad"] = .string("")
        let unpadded = JCS.serialize(.object(members)).count
        members["pad"] = .string(String(repeating: " ", count: (1024 - unpadded % 1024) % 1024))
        let bytes = JCS.serialize(.object(members))
        precondition(bytes.count % 1024 == 0, "padding must reach a multiple of 1 KiB")
        return bytes
    }

    /// Parses and checks an opened plaintext: I-JSON, the members of §7, padded
    /// to a multiple of 1 KiB with spaces.
    public static func parse(plaintext: [UInt8]) throws -> SealedIdentity {
        guard plaintext.count % 1024 == 0 else {
            throw HubProtocolError(.invalidBody, "the sealed plaintext is not padded to a multiple of 1 KiB")
        }
        let value = try JSONParser.parse(plaintext, options: .strict)
        guard JCS.serialize(value) == plaintext else {
            throw HubProtocolError(.invalidBody, "the sealed plaintext is not JCS")
        }
        var decoder = JSONValueDecoder()
        decoder.rootName = "sealed"
        return try decoder.decode(SealedIdentity.self, from: value)
    }

    /// Seals this identity to a recipient's encryption key (PROTOCOL §7).
    public func seal(
        to recipient: ECPublicJWK,
        senderOIN: String,
        recipientOIN: String,
        referralID: String
    ) throws -> String {
        var plaintext = try paddedJCS()
        defer { zeroize(&plaintext) }
        return try JWE.seal(
            plaintext: plaintext,
            to: recipient,
            senderOIN: senderOIN,
            recipientOIN: recipientOIN,
            ref: referralID
        )
    }
}
