/// The plaintext inside a sealed block (PROTOCOL §7): who the family is.
///
/// Personal data: never log it, never put it in an error. Person members other
/// than `role` and `bsn` may be absent or null when the case worker does not
/// have them (PROTOCOL is silent; see docs/protocol.md).
public struct SealedIdentity: Sendable, Hashable, Codable {
    /// One person of the family.
    public struct Person: Sendable, Hashable, Codable {
        /// Child or parent.
        public enum Role: String, Sendable, Codable, CaseIterable { case child, parent }
        /// How to reach the person.
        public struct Contact: Sendable, Hashable, Codable {
            public var phone: String?
            public var email: String?
            public var address: String?
            public init(phone: String? = nil, email: String? = nil, address: String? = nil) {
                self.phone = phone
                self.email = email
                self.address = address
            }
            enum CodingKeys: String, CodingKey, CaseIterable { case phone, email, address }
            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                phone = try c.decodeIfPresent(String.self, forKey: .phone)
                email = try c.decodeIfPresent(String.self, forKey: .email)
                address = try c.decodeIfPresent(String.self, forKey: .address)
                for (k, v) in [(CodingKeys.phone, phone), (.email, email), (.address, address)]
                where (v?.unicodeScalars.count ?? 0) > 500 {
                    throw c.invalid(k, "longer than 500 characters")
                }
            }
        }

        public var role: Role
        public var bsn: BSN
        public var givenNames: String?
        public var familyName: String?
        public var birthDate: CalendarDate?
        public var contact: Contact?

        /// Makes a person.
        public init(
            role: Role,
            bsn: BSN,
            givenNames: String? = nil,
            familyName: String? = nil,
            birthDate: CalendarDate? = nil,
            contact: Contact? = nil
        ) {
            self.role = role
            self.bsn = bsn
            self.givenNames = givenNames
            self.familyName = familyName
            self.birthDate = birthDate
            self.contact = contact
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case role, bsn
            case givenNames = "given_names"
            case familyName = "family_name"
            case birthDate = "birth_date"
            case contact
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            role = try c.decode(Role.self, forKey: .role)
            let digits = try c.decode(String.self, forKey: .bsn)
            do { bsn = try BSN(digits) } catch let e as HubProtocolError { throw c.invalid(.bsn, e.message) }
            guard bsn.digits == digits else { throw c.invalid(.bsn, "must be exactly 9 digits") }
            givenNames = try c.decodeIfPresent(String.self, forKey: .givenNames)
            familyName = try c.decodeIfPresent(String.self, forKey: .familyName)
            for (k, v) in [(CodingKeys.givenNames, givenNames), (.familyName, familyName)]
            where (v?.unicodeScalars.count ?? 0) > 200 {
                throw c.invalid(k, "longer than 200 characters")
            }
            birthDate = try c.decodeIfPresent(CalendarDate.self, forKey: .birthDate)
            contact = try c.decodeIfPresent(Contact.self, forKey: .contact)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encode(bsn.digits, forKey: .bsn)
            try c.encodeIfPresent(givenNames, forKey: .givenNames)
            try c.encodeIfPresent(familyName, forKey: .familyName)
            try c.encodeIfPresent(birthDate, forKey: .birthDate)
            try c.encodeIfPresent(contact, forKey: .contact)
        }
    }

    public var persons: [Person]
    /// The handover note, if any.
    public var note: String?

    /// Makes a plaintext.
    public init(persons: [Person], note: String?) {
        self.persons = persons
        self.note = note
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case persons, note, pad }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        persons = try c.decode([Person].self, forKey: .persons)
        guard (1...20).contains(persons.count) else { throw c.invalid(.persons, "must list 1 to 20 persons") }
        note = try c.decodeNullable(String.self, forKey: .note)
        if let note, note.unicodeScalars.count > 10_000 { throw c.invalid(.note, "longer than 10,000 characters") }
        if c.contains(.pad) {
            let pad = try c.decode(String.self, forKey: .pad)
            guard pad.utf8.allSatisfy({ $0 == 0x20 }) else { throw c.invalid(.pad, "must be spaces only") }
        }
    }

    /// Encodes without `pad`; ``paddedJCS()`` adds it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(persons, forKey: .persons)
        try c.encodeNullable(note, forKey: .note)
    }
}
