public import HubProtocol

/// Pseudonyms and identities at rest (PROTOCOL §8): the database holds a
/// person's pseudonym and an encrypted blob, never a readable BSN or name.
///
/// The blob is `0x01 ‖ IV (12 random bytes) ‖ AES-256-GCM ciphertext ‖ tag (16)`
/// of the JCS of `{bsn, given_names, family_name, birth_date, contact}`, with
/// AAD = `case_id ‖ pseudonym` (ASCII), so a blob moved to another person or
/// case does not open. The key is HKDF-SHA256(K, salt empty,
/// `hub/v1/identity-at-rest`, 32 bytes) from the pseudonym key `K`: losing
/// `K` loses both the pseudonyms and the identities, and backing `K` up
/// backs up both.
public final class IdentityVault: @unchecked Sendable {
    /// The HKDF `info` of the at-rest key.
    public static let keyInfo = "hub/v1/identity-at-rest"
    /// The first byte of every blob: the format version.
    static let version: UInt8 = 1

    private let pseudonymKey: PseudonymKey
    // Immutable after init; zeroised on release.
    private var key: [UInt8]

    /// Derives the at-rest key from the node's pseudonym key.
    public init(pseudonymKey: PseudonymKey) throws {
        self.pseudonymKey = pseudonymKey
        self.key = try pseudonymKey.derive(info: Self.keyInfo, byteCount: 32)
    }

    deinit { key.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }

    /// This node's pseudonym for a person (§8).
    public func pseudonym(for bsn: BSN) -> String {
        pseudonymKey.pseudonym(for: bsn)
    }

    /// Encrypts a person's details for the row `(caseID, pseudonym)`.
    public func seal(_ person: SealedIdentity.Person, caseID: String, pseudonym: String) throws -> [UInt8] {
        var plaintext = JCS.serialize(try JSONValueEncoder().encode(StoredIdentity(person)))
        defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        return try encrypt(plaintext, aad: Self.aad(caseID, pseudonym))
    }

    /// Decrypts the blob of the row `(caseID, pseudonym)`; `role` comes from
    /// the row. Throws `authentication_failed` for a blob that was changed or
    /// belongs to another row, and never returns partial data.
    public func open(
        _ blob: [UInt8],
        role: SealedIdentity.Person.Role,
        caseID: String,
        pseudonym: String
    ) throws -> SealedIdentity.Person {
        var plaintext = try decrypt(blob, aad: Self.aad(caseID, pseudonym))
        defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let stored = try JSONValueDecoder().decode(StoredIdentity.self, from: JSONParser.parse(plaintext))
        return try stored.person(role: role)
    }

    /// Encrypts a copy of a referral's sealed plaintext (the padded JCS of
    /// PROTOCOL §7) for `referrals.identity_copy`: the sender keeps one to
    /// re-seal an offer on `unknown_key`; the receiver keeps one so the
    /// identity stays readable after the encryption key it was sealed to is
    /// destroyed. AAD = `identity-copy:` ‖ sender OIN ‖ `:` ‖ referral id (the
    /// row's key), so a copy does not open for another referral or as a person.
    public func sealIdentityCopy(_ identity: SealedIdentity, sender: String, referralID: String) throws -> [UInt8] {
        var plaintext = try identity.paddedJCS()
        defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        return try encrypt(plaintext, aad: Self.copyAAD(sender, referralID))
    }

    /// Decrypts a copy made by ``sealIdentityCopy(_:sender:referralID:)``.
    public func openIdentityCopy(_ blob: [UInt8], sender: String, referralID: String) throws -> SealedIdentity {
        var plaintext = try decrypt(blob, aad: Self.copyAAD(sender, referralID))
        defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        return try SealedIdentity.parse(plaintext: plaintext)
    }

    private static func copyAAD(_ sender: String, _ referralID: String) -> [UInt8] {
        Array("identity-copy:\(sender):\(referralID)".utf8)
    }

    /// `version ‖ IV ‖ ciphertext ‖ tag` under the at-rest key.
    private func encrypt(_ plaintext: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        let iv = SecureRandom.bytes(AESGCM.standardIVByteCount)
        let sealed = try AESGCM.seal(key: key, iv: iv, plaintext: plaintext, aad: aad)
        return [Self.version] + iv + sealed.ciphertext + sealed.tag
    }

    /// The plaintext of a blob made by ``encrypt(_:aad:)``; throws
    /// `authentication_failed` for a changed blob or the wrong AAD.
    private func decrypt(_ blob: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        let ivEnd = 1 + AESGCM.standardIVByteCount
        guard blob.count >= ivEnd + AESGCM.tagByteCount, blob[0] == Self.version else {
            throw HubProtocolError(.authenticationFailed, "the identity blob has an unknown format")
        }
        return try AESGCM.open(
            key: key,
            iv: Array(blob[1..<ivEnd]),
            ciphertext: Array(blob[ivEnd..<(blob.count - AESGCM.tagByteCount)]),
            tag: Array(blob.suffix(AESGCM.tagByteCount)),
            aad: aad
        )
    }

    private static func aad(_ caseID: String, _ pseudonym: String) -> [UInt8] {
        Array(caseID.utf8) + Array(pseudonym.utf8)
    }

    /// The encrypted details: a person without the role (the row holds it).
    private struct StoredIdentity: Codable {
        var bsn: String
        var givenNames: String?
        var familyName: String?
        var birthDate: CalendarDate?
        var contact: SealedIdentity.Person.Contact?

        init(_ person: SealedIdentity.Person) {
            bsn = person.bsn.digits
            givenNames = person.givenNames
            familyName = person.familyName
            birthDate = person.birthDate
            contact = person.contact
        }

        func person(role: SealedIdentity.Person.Role) throws -> SealedIdentity.Person {
            SealedIdentity.Person(
                role: role,
                bsn: try BSN(bsn),
                givenNames: givenNames,
                familyName: familyName,
                birthDate: birthDate,
                contact: contact
            )
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bsn
            case givenNames = "given_names"
            case familyName = "family_name"
            case birthDate = "birth_date"
            case contact
        }
    }
}
