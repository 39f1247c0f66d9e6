import HTTPTypes

// Why a case worker's action was refused. Nothing was changed. Such errors
// carry `Detail.caseService` with the HTTP status the case-worker API answers
// with; the code and message become the JSON error body. Messages name
// fields, rules and ids, never a citizen's data.

extension HubNodeError {
    /// A case worker's action refused with `status`.
    static func refusal(_ status: HTTPResponse.Status, _ code: Code, _ message: String) -> Self {
        Self(code, message, detail: .caseService(status: status))
    }

    /// Whether the case service refused a case worker's action.
    var isRefusal: Bool {
        if case .caseService = detail { return true }
        return false
    }

    /// The request is wrong (400).
    static func invalidCaseRequest(_ message: String) -> Self { refusal(.badRequest, .invalidCaseRequest, message) }
    /// No case has that id (404).
    static let unknownCase = refusal(.notFound, .unknownCase, "no case has that id")
    /// No referral has that sender and id (404).
    static let unknownReferral = refusal(.notFound, .unknownReferral, "no referral has that sender and id")
    /// No configured peer has that name or OIN (404).
    static let unknownPeer = refusal(.notFound, .unknownPeer, "no configured peer has that name or OIN")
    /// The case is closed (409).
    static let caseClosed = refusal(.conflict, .caseClosed, "the case is closed")
}

extension HubNodeError.Code {
    /// The request breaks a rule of the case-worker API. (The client's
    /// ``invalidRequest`` has the same raw value.)
    public static let invalidCaseRequest = Self("invalid_request")
    /// A query parameter has a value the API does not know.
    public static let invalidParameter = Self("invalid_parameter")
    /// A path parameter is malformed, so no resource has that path. (The
    /// store's ``notFound`` has the same raw value.)
    public static let resourceNotFound = Self("not_found")
    /// No case has that id.
    public static let unknownCase = Self("unknown_case")
    /// No referral has that sender and id.
    public static let unknownReferral = Self("unknown_referral")
    /// No configured peer has that name or OIN.
    public static let unknownPeer = Self("unknown_peer")
    /// The case is closed.
    public static let caseClosed = Self("case_closed")
    /// A person's BSN is missing or not valid.
    public static let invalidBSN = Self("invalid_bsn")
    /// A person repeats an earlier BSN of the same case.
    public static let duplicatePerson = Self("duplicate_person")
    /// A child's age band is not one of the bands, or a non-child has one.
    public static let invalidAgeBand = Self("invalid_age_band")
    /// A child has neither an age band nor a birth date.
    public static let ageBandRequired = Self("age_band_required")
    /// The referral needs the case's persons and the case has none.
    public static let noPersons = Self("no_persons")
    /// The peer's descriptor cannot be had now; try again later.
    public static let descriptorUnavailable = Self("descriptor_unavailable")
    /// The peer does not receive referrals.
    public static let noCapability = Self("no_capability")
    /// The peer lists no encryption key.
    public static let noEncryptionKey = Self("no_encryption_key")
    /// Only the node that offered a referral withdraws it.
    public static let notSender = Self("not_sender")
    /// Only the node a referral was offered to answers it.
    public static let notReceiver = Self("not_receiver")
    /// A withdraw of the referral is already on its way.
    public static let withdrawPending = Self("withdraw_pending")
    /// The referral's state does not allow the action.
    public static let invalidState = Self("invalid_state")
    /// The sealed identity is no longer stored or no longer opens, or the
    /// referral carries none.
    public static let identityUnavailable = Self("identity_unavailable")
    /// The stored offer message cannot be read.
    public static let storedOfferUnreadable = Self("stored_offer_unreadable")
    /// The caller's role may not do this.
    public static let roleNotAllowed = Self("role_not_allowed")
    /// Reading an identity needs a purpose of 1 to 200 characters.
    public static let purposeRequired = Self("purpose_required")
}
