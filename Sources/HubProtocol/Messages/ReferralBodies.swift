/// The body of `referral.offer` (PROTOCOL §9).
public struct ReferralOffer: Sendable, Hashable, Codable {
    /// Whether the family moves (`transfer`) or a parent elsewhere gets support (`consult`).
    public enum Kind: String, Sendable, Codable, CaseIterable { case transfer, consult }
    /// Where in the relationship the family entered.
    public enum EntryPhase: String, Sendable, Codable, CaseIterable {
        case relationship
        case separationIntent = "separation_intent"
        case postSeparation = "post_separation"
    }
    /// What help the family asks for.
    public enum HelpDomain: String, Sendable, Codable, CaseIterable {
        case relational, children, legal, financial, other
    }
    /// Who referred the family to the desk.
    public enum ReferralSource: String, Sendable, Codable, CaseIterable {
        case municipality, gp
        case youthDoctor = "youth_doctor"
        case certifiedInstitution = "certified_institution"
        case medicalSpecialist = "medical_specialist"
        case `self`, court
    }
    /// A child's age band.
    public enum AgeBand: String, Sendable, Codable, CaseIterable {
        case infant = "0-3"
        case child = "4-11"
        case teenager = "12-17"
    }
    /// How urgent the offer is.
    public enum Priority: String, Sendable, Codable, CaseIterable { case normal, urgent }
    /// The legal basis for sharing.
    public enum ConsentBasis: String, Sendable, Codable, CaseIterable {
        case consent
        case legalObligation = "legal_obligation"
        case vitalInterest = "vital_interest"
    }

    /// One child, by age band only.
    public struct Child: Sendable, Hashable, Codable {
        public var ageBand: AgeBand
        public init(ageBand: AgeBand) { self.ageBand = ageBand }
        enum CodingKeys: String, CodingKey, CaseIterable { case ageBand = "age_band" }
    }

    /// Which safety bodies are involved.
    public struct Safety: Sendable, Hashable, Codable {
        public var veiligThuis: Bool
        public var childProtectionBoard: Bool
        public var court: Bool
        public init(veiligThuis: Bool = false, childProtectionBoard: Bool = false, court: Bool = false) {
            self.veiligThuis = veiligThuis
            self.childProtectionBoard = childProtectionBoard
            self.court = court
        }
        enum CodingKeys: String, CodingKey, CaseIterable {
            case veiligThuis = "veilig_thuis"
            case childProtectionBoard = "child_protection_board"
            case court
        }
    }

    /// The basis and date of consent.
    public struct Consent: Sendable, Hashable, Codable {
        public var basis: ConsentBasis
        public var date: CalendarDate
        public init(basis: ConsentBasis, date: CalendarDate) {
            self.basis = basis
            self.date = date
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case basis, date }
    }

    public var referralID: String
    public var kind: Kind
    public var effectiveDate: CalendarDate
    public var entryPhase: EntryPhase
    public var helpDomains: [HelpDomain]
    public var referralSource: ReferralSource
    public var children: [Child]
    public var safety: Safety
    public var priority: Priority
    public var respondBy: CalendarDate
    public var consent: Consent
    /// The sealed identity (compact JWE); required for a transfer.
    public var sealed: String?

    /// Makes an offer; call ``validate()`` or round-trip through a decoder to check it.
    public init(
        referralID: String,
        kind: Kind,
        effectiveDate: CalendarDate,
        entryPhase: EntryPhase,
        helpDomains: [HelpDomain],
        referralSource: ReferralSource,
        children: [Child],
        safety: Safety,
        priority: Priority,
        respondBy: CalendarDate,
        consent: Consent,
        sealed: String?
    ) {
        self.referralID = referralID
        self.kind = kind
        self.effectiveDate = effectiveDate
        self.entryPhase = entryPhase
        self.helpDomains = helpDomains
        self.referralSource = referralSource
        self.children = children
        self.safety = safety
        self.priority = priority
        self.respondBy = respondBy
        self.consent = consent
        self.sealed = sealed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case referralID = "referral_id"
        case kind
        case effectiveDate = "effective_date"
        case entryPhase = "entry_phase"
        case helpDomains = "help_domains"
        case referralSource = "referral_source"
        case children, safety, priority
        case respondBy = "respond_by"
        case consent, sealed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        referralID = try c.decodeUUID(.referralID)
        kind = try c.decode(Kind.self, forKey: .kind)
        effectiveDate = try c.decode(CalendarDate.self, forKey: .effectiveDate)
        entryPhase = try c.decode(EntryPhase.self, forKey: .entryPhase)
        helpDomains = try c.decode([HelpDomain].self, forKey: .helpDomains)
        referralSource = try c.decode(ReferralSource.self, forKey: .referralSource)
        children = try c.decode([Child].self, forKey: .children)
        safety = try c.decode(Safety.self, forKey: .safety)
        priority = try c.decode(Priority.self, forKey: .priority)
        respondBy = try c.decode(CalendarDate.self, forKey: .respondBy)
        consent = try c.decode(Consent.self, forKey: .consent)
        sealed = try c.decodeIfPresent(String.self, forKey: .sealed)
        if let message = problem {
            throw c.invalid(message.key, message.text)
        }
    }

    /// Checks the rules that go beyond member types.
    public func validate() throws {
        if let p = problem { throw HubProtocolError(.invalidValue, "\(p.key.stringValue): \(p.text)") }
    }

    private var problem: (key: CodingKeys, text: String)? {
        if helpDomains.isEmpty || helpDomains.count > 5 { return (.helpDomains, "must have 1 to 5 values") }
        if Set(helpDomains).count != helpDomains.count { return (.helpDomains, "values must be distinct") }
        if children.count > 10 { return (.children, "at most 10 entries") }
        if kind == .transfer && sealed == nil { return (.sealed, "is required for a transfer") }
        if let sealed, sealed.split(separator: ".", omittingEmptySubsequences: false).count != 5 {
            return (.sealed, "is not a compact JWE")
        }
        return nil
    }
}

/// The body of `referral.accept` and `referral.complete`.
public struct ReferralRef: Sendable, Hashable, Codable {
    public var referralID: String
    public init(referralID: String) { self.referralID = referralID }
    enum CodingKeys: String, CodingKey, CaseIterable { case referralID = "referral_id" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        referralID = try c.decodeUUID(.referralID)
    }
}

/// The body of `referral.reject`.
public struct ReferralReject: Sendable, Hashable, Codable {
    /// Why the receiver refuses.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case notResponsible = "not_responsible"
        case noCapacity = "no_capacity"
        case noService = "no_service"
        case duplicate, other
    }
    public var referralID: String
    public var reason: Reason
    public init(referralID: String, reason: Reason) {
        self.referralID = referralID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case referralID = "referral_id"
        case reason
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        referralID = try c.decodeUUID(.referralID)
        reason = try c.decode(Reason.self, forKey: .reason)
    }
}

/// The body of `referral.withdraw`.
public struct ReferralWithdraw: Sendable, Hashable, Codable {
    /// Why the sender withdraws.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case familyStayed = "family_stayed"
        case consentWithdrawn = "consent_withdrawn"
        case duplicate, error, other
    }
    public var referralID: String
    public var reason: Reason
    public init(referralID: String, reason: Reason) {
        self.referralID = referralID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case referralID = "referral_id"
        case reason
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        referralID = try c.decodeUUID(.referralID)
        reason = try c.decode(Reason.self, forKey: .reason)
    }
}
