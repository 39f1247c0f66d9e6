import HubProtocol
import Testing

@testable import HubNode

@Suite struct IdentityVaultTests {
    static let caseID = "0190a5c4-0000-7000-8000-0000000000c1"
    static let otherCase = "0190a5c4-0000-7000-8000-0000000000c2"

    static func person() throws -> SealedIdentity.Person {
        SealedIdentity.Person(
            role: .parent,
            bsn: try BSN("111222333"),
            givenNames: "Maartje Liesbeth",
            familyName: "Oosterveld",
            birthDate: CalendarDate("1988-04-12"),
            contact: .init(phone: "+31 6 1234 5678", email: "m@example.nl", address: "Kerkstraat 1, Zwolle")
        )
    }

    @Test func roundTrip() throws {
        let vault = try IdentityVault(pseudonymKey: .generate())
        let person = try Self.person()
        let pseudonym = vault.pseudonym(for: person.bsn)
        let blob = try vault.seal(person, caseID: Self.caseID, pseudonym: pseudonym)
        #expect(blob.first == 1)
        #expect(blob.count > 1 + 12 + 16)
        #expect(try vault.open(blob, role: .parent, caseID: Self.caseID, pseudonym: pseudonym) == person)
        // A fresh IV each time: the same person seals to different bytes.
        #expect(try vault.seal(person, caseID: Self.caseID, pseudonym: pseudonym) != blob)
        // Neither the BSN nor the names are in the blob.
        for secret in ["111222333", "Oosterveld", "Maartje", "Kerkstraat"] {
            #expect(!Self.contains(blob, Array(secret.utf8)))
        }
        // A person with only the required members.
        let minimal = SealedIdentity.Person(role: .child, bsn: try BSN("123456782"))
        let p2 = vault.pseudonym(for: minimal.bsn)
        #expect(
            try vault.open(
                try vault.seal(minimal, caseID: Self.caseID, pseudonym: p2),
                role: .child,
                caseID: Self.caseID,
                pseudonym: p2
            )
                == minimal
        )
    }

    @Test func everyTamperedByteIsRefused() throws {
        let vault = try IdentityVault(pseudonymKey: .generate())
        let person = try Self.person()
        let pseudonym = vault.pseudonym(for: person.bsn)
        let blob = try vault.seal(person, caseID: Self.caseID, pseudonym: pseudonym)
        for i in blob.indices {
            var changed = blob
            changed[i] ^= 0x01
            #expect(throws: HubProtocolError.self, "byte \(i)") {
                try vault.open(changed, role: .parent, caseID: Self.caseID, pseudonym: pseudonym)
            }
        }
        #expect(throws: HubProtocolError.self) {
            try vault.open(Array(blob.dropLast()), role: .parent, caseID: Self.caseID, pseudonym: pseudonym)
        }
        #expect(throws: HubProtocolError.self) {
            try vault.open([], role: .parent, caseID: Self.caseID, pseudonym: pseudonym)
        }
    }

    @Test func wrongAADOrKeyIsRefused() throws {
        let key = PseudonymKey.generate()
        let vault = try IdentityVault(pseudonymKey: key)
        let person = try Self.person()
        let pseudonym = vault.pseudonym(for: person.bsn)
        let blob = try vault.seal(person, caseID: Self.caseID, pseudonym: pseudonym)
        // Moved to another case or another person: the AAD differs.
        #expect(throws: HubProtocolError.self) {
            try vault.open(blob, role: .parent, caseID: Self.otherCase, pseudonym: pseudonym)
        }
        let otherPseudonym = vault.pseudonym(for: try BSN("123456782"))
        #expect(throws: HubProtocolError.self) {
            try vault.open(blob, role: .parent, caseID: Self.caseID, pseudonym: otherPseudonym)
        }
        // Another node's key.
        let other = try IdentityVault(pseudonymKey: .generate())
        #expect(throws: HubProtocolError.self) {
            try other.open(blob, role: .parent, caseID: Self.caseID, pseudonym: pseudonym)
        }
        // The same K (restored from backup) opens it.
        #expect(
            try IdentityVault(pseudonymKey: key).open(blob, role: .parent, caseID: Self.caseID, pseudonym: pseudonym)
                == person
        )
    }

    @Test func pseudonymsAreTheProtocolsAndPerNode() throws {
        let k = try PseudonymKey(bytes: Array(repeating: 7, count: 32))
        let vault = try IdentityVault(pseudonymKey: k)
        let bsn = try BSN("111222333")
        #expect(vault.pseudonym(for: bsn) == k.pseudonym(for: bsn))
        #expect(vault.pseudonym(for: bsn).count == 26)
        #expect(try IdentityVault(pseudonymKey: .generate()).pseudonym(for: bsn) != vault.pseudonym(for: bsn))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
