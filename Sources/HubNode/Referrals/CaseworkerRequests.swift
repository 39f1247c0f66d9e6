import HTTPTypes
import HubProtocol

/// The JSON bodies of the case workers' endpoints (docs/openapi.yaml),
/// decoded strictly: unknown members are refused, and errors name members,
/// never values.
enum CaseworkerRequests {
    /// `POST /v1/local/cases`.
    struct OpenCase: Decodable {
        var entryPhase: ReferralOffer.EntryPhase
        var helpDomains: [ReferralOffer.HelpDomain]
        var referralSource: ReferralOffer.ReferralSource
        var safety: ReferralOffer.Safety?
        var openedOn: CalendarDate?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case persons
            case entryPhase = "entry_phase"
            case helpDomains = "help_domains"
            case referralSource = "referral_source"
            case safety
            case openedOn = "opened_on"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            entryPhase = try c.decode(ReferralOffer.EntryPhase.self, forKey: .entryPhase)
            helpDomains = try c.decode([ReferralOffer.HelpDomain].self, forKey: .helpDomains)
            referralSource = try c.decode(ReferralOffer.ReferralSource.self, forKey: .referralSource)
            safety = try c.decodeIfPresent(ReferralOffer.Safety.self, forKey: .safety)
            openedOn = try c.decodeIfPresent(CalendarDate.self, forKey: .openedOn)
        }
    }

    /// The persons of `POST /v1/local/cases`: §7 persons plus an optional
    /// `age_band` for children. A BSN that fails §8 is `invalid_bsn`.
    static func members(_ body: JSONValue) throws -> [CaseStore.Member] {
        guard let persons = body["persons"] else { return [] }
        guard let items = persons.arrayValue else { throw HubNodeError.invalidCaseRequest("persons must be an array") }
        var members: [CaseStore.Member] = []
        for (i, item) in items.enumerated() {
            guard var fields = item.objectValue else {
                throw HubNodeError.invalidCaseRequest("persons[\(i)] is not an object")
            }
            var band: ReferralOffer.AgeBand? = nil
            if let value = fields.removeValue(forKey: "age_band"), !value.isNull {
                guard let text = value.stringValue, let parsed = ReferralOffer.AgeBand(rawValue: text) else {
                    throw HubNodeError.refusal(
                        .badRequest,
                        .invalidAgeBand,
                        "persons[\(i)].age_band is not 0-3, 4-11 or 12-17"
                    )
                }
                band = parsed
            }
            guard let digits = fields["bsn"]?.stringValue else {
                throw HubNodeError.refusal(.badRequest, .invalidBSN, "persons[\(i)].bsn is missing or not a string")
            }
            do {
                let bsn = try BSN(digits)
                guard bsn.digits == digits else {
                    throw HubProtocolError(.invalidBSN, "a BSN is given as exactly 9 digits")
                }
            } catch let error as HubProtocolError {
                throw HubNodeError.refusal(.badRequest, .invalidBSN, "persons[\(i)].bsn: \(error.message)")
            }
            var decoder = JSONValueDecoder()
            decoder.rootName = "persons[\(i)]"
            let person = try decode(SealedIdentity.Person.self, from: .object(fields), decoder: decoder)
            members.append(CaseStore.Member(person: person, ageBand: band))
        }
        return members
    }

    /// `POST /v1/local/cases/{id}/close`.
    struct CloseCase: Decodable {
        var outcome: CaseRow.Outcome
        var closedOn: CalendarDate?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case outcome
            case closedOn = "closed_on"
        }
    }

    /// `POST /v1/local/referrals`.
    struct Offer: Decodable {
        var caseID: String
        var peer: String
        var kind: ReferralOffer.Kind
        var effectiveDate: CalendarDate
        var respondBy: CalendarDate
        var priority: ReferralOffer.Priority?
        var consent: ReferralOffer.Consent
        var includeIdentity: Bool?
        var note: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case caseID = "case_id"
            case peer, kind
            case effectiveDate = "effective_date"
            case respondBy = "respond_by"
            case priority, consent
            case includeIdentity = "include_identity"
            case note
        }
    }

    /// `POST …/reject`.
    struct Reject: Decodable {
        var reason: ReferralReject.Reason
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    /// `POST …/withdraw`.
    struct Withdraw: Decodable {
        var reason: ReferralWithdraw.Reason
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    /// An empty body, or `{}`.
    struct Empty: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case unused }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard c.allKeys.isEmpty else { throw HubNodeError.invalidCaseRequest("the body must be empty or {}") }
        }
    }

    /// Parses a request body as I-JSON (an empty body is `{}`).
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        if bytes.isEmpty { return .object([:]) }
        do {
            return try JSONParser.parse(bytes)
        } catch let error as HubProtocolError {
            throw HubNodeError.invalidCaseRequest("the body is not I-JSON: \(error.message)")
        }
    }

    /// Decodes `T` from `value`; failures are `400 invalid_request` naming the member.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from value: JSONValue,
        decoder: JSONValueDecoder = JSONValueDecoder()
    ) throws -> T {
        do {
            return try decoder.decode(T.self, from: value)
        } catch let error as HubProtocolError {
            throw HubNodeError.invalidCaseRequest(error.message)
        }
    }
}
