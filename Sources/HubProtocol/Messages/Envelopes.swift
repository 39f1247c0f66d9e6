/// The JOSE `typ` values of PROTOCOL §4 (byte-exact).
public enum JWSType: String, Sendable, CaseIterable {
    case message = "hub-msg+jws"
    case receipt = "hub-receipt+jws"
    case descriptor = "hub-descriptor+jws"
    case statsQuery = "hub-stats-query+jws"
    case statsResult = "hub-stats-result+jws"
    case auditCheckpoint = "hub-audit-checkpoint+jws"

    /// The payload members this `typ` requires, no others (PROTOCOL §4).
    public var payloadMembers: Set<String> {
        switch self {
        case .message: ["v", "type", "jti", "iss", "aud", "iat", "exp", "body"]
        case .receipt: ["v", "type", "jti", "iss", "aud", "iat", "ref", "ref_jti", "status", "reason"]
        case .descriptor:
            ["v", "type", "iss", "iat", "exp", "name", "municipality_code", "endpoint", "enc_keys", "capabilities"]
        case .statsQuery: ["v", "type", "jti", "iss", "aud", "iat", "exp", "body"]
        case .statsResult: ["v", "type", "jti", "iss", "aud", "iat", "ref", "body"]
        case .auditCheckpoint: ["i", "h_i", "iat"]
        }
    }

    /// The longest allowed `exp − iat`, in seconds, where the `typ` has `exp`.
    public var maxLifetime: Int64? {
        switch self {
        case .message: 30 * 86_400
        case .statsQuery: 300
        case .descriptor: 7 * 86_400
        case .receipt, .statsResult, .auditCheckpoint: nil
        }
    }
}

/// The business message types (`type` of a `hub-msg+jws`).
public enum MessageType: String, Sendable, Codable, CaseIterable {
    case referralOffer = "referral.offer"
    case referralAccept = "referral.accept"
    case referralReject = "referral.reject"
    case referralComplete = "referral.complete"
    case referralWithdraw = "referral.withdraw"
    case methodologyPublish = "methodology.publish"
    case methodologyRetract = "methodology.retract"

    /// The descriptor capability a peer must list to receive this type.
    public var capability: String {
        switch self {
        case .referralOffer, .referralAccept, .referralReject, .referralComplete, .referralWithdraw: "referral/1"
        case .methodologyPublish, .methodologyRetract: "methodology/1"
        }
    }
}

/// The payload of a `hub-msg+jws` (PROTOCOL §4); `body` is checked per `type`
/// later (step 10), so it stays a JSON value here.
public struct MessagePayload: Sendable, Hashable, Codable {
    public var v: Int = 1
    public var type: String
    public var jti: String
    public var iss: String
    public var aud: String
    public var iat: Int64
    public var exp: Int64
    public var body: JSONValue

    /// Makes a payload.
    public init(type: String, jti: String, iss: String, aud: String, iat: Int64, exp: Int64, body: JSONValue) {
        self.type = type
        self.jti = jti
        self.iss = iss
        self.aud = aud
        self.iat = iat
        self.exp = exp
        self.body = body
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case v, type, jti, iss, aud, iat, exp, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeConstant(.v, 1)
        type = try c.decode(String.self, forKey: .type)
        jti = try c.decodeUUID(.jti)
        iss = try c.decodeOIN(.iss)
        aud = try c.decodeOIN(.aud)
        iat = try c.decode(Int64.self, forKey: .iat)
        exp = try c.decode(Int64.self, forKey: .exp)
        body = try c.decode(JSONValue.self, forKey: .body)
        guard body.objectValue != nil else { throw c.invalid(.body, "must be an object") }
    }
}

/// Whether a receipt says the message was accepted.
public enum ReceiptStatus: String, Sendable, Codable, CaseIterable {
    case accepted
    case rejected
}

/// The reason codes of PROTOCOL §4 and §5.
public enum ReceiptReason: String, Sendable, Codable, CaseIterable, Error {
    case malformed
    case badHeader = "bad_header"
    case untrustedCertificate = "untrusted_certificate"
    case badSignature = "bad_signature"
    case nonCanonical = "non_canonical"
    case invalidBody = "invalid_body"
    case identityMismatch = "identity_mismatch"
    case wrongAudience = "wrong_audience"
    case notYetValid = "not_yet_valid"
    case expired
    case jtiConflict = "jti_conflict"
    case unknownType = "unknown_type"
    case unknownKey = "unknown_key"
    case invalidState = "invalid_state"

    /// Transient rejections are not recorded; the sender retries the same bytes (PROTOCOL §5).
    public var isTransient: Bool {
        switch self {
        case .notYetValid, .untrustedCertificate, .unknownKey: true
        default: false
        }
    }
}

/// The payload of a `hub-receipt+jws` (PROTOCOL §5).
public struct ReceiptPayload: Sendable, Hashable, Codable {
    public var v: Int = 1
    public var type: String = "receipt"
    public var jti: String
    public var iss: String
    public var aud: String
    public var iat: Int64
    /// `hash(m)` of the message this receipt answers.
    public var ref: String
    /// The message's `jti` when it could be read, else nil.
    public var refJTI: String?
    public var status: ReceiptStatus
    public var reason: ReceiptReason?

    /// Makes a receipt payload.
    public init(
        jti: String,
        iss: String,
        aud: String,
        iat: Int64,
        ref: String,
        refJTI: String?,
        status: ReceiptStatus,
        reason: ReceiptReason?
    ) {
        self.jti = jti
        self.iss = iss
        self.aud = aud
        self.iat = iat
        self.ref = ref
        self.refJTI = refJTI
        self.status = status
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case v, type, jti, iss, aud, iat, ref
        case refJTI = "ref_jti"
        case status, reason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeConstant(.v, 1)
        try c.decodeConstant(.type, "receipt")
        jti = try c.decodeUUID(.jti)
        iss = try c.decodeOIN(.iss)
        aud = try c.decodeOIN(.aud)
        iat = try c.decode(Int64.self, forKey: .iat)
        ref = try c.decode(String.self, forKey: .ref)
        guard ref.utf8.count == 43, Base64URL.decode(ref)?.count == 32 else {
            throw c.invalid(.ref, "not a base64url SHA-256 hash")
        }
        refJTI = try c.decodeNullable(String.self, forKey: .refJTI)
        if let refJTI, !HubUUID.isLowercaseUUID(refJTI) { throw c.invalid(.refJTI, "not a lowercase UUID") }
        status = try c.decode(ReceiptStatus.self, forKey: .status)
        reason = try c.decodeNullable(ReceiptReason.self, forKey: .reason)
        guard (status == .accepted) == (reason == nil) else {
            throw c.invalid(.reason, "must be null exactly when status is accepted")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        try c.encode(type, forKey: .type)
        try c.encode(jti, forKey: .jti)
        try c.encode(iss, forKey: .iss)
        try c.encode(aud, forKey: .aud)
        try c.encode(iat, forKey: .iat)
        try c.encode(ref, forKey: .ref)
        try c.encodeNullable(refJTI, forKey: .refJTI)
        try c.encode(status, forKey: .status)
        try c.encodeNullable(reason, forKey: .reason)
    }
}

/// The payload of a daily audit checkpoint (`hub-audit-checkpoint+jws`, PROTOCOL §12).
public struct AuditCheckpointPayload: Sendable, Hashable, Codable {
    /// The index of the last entry covered.
    public var i: Int64
    /// Lowercase hex of the chain hash after entry `i`.
    public var hI: String
    public var iat: Int64

    /// Makes a checkpoint payload.
    public init(i: Int64, hI: String, iat: Int64) {
        self.i = i
        self.hI = hI
        self.iat = iat
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case i
        case hI = "h_i"
        case iat
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        i = try c.decode(Int64.self, forKey: .i)
        hI = try c.decode(String.self, forKey: .hI)
        guard hI.utf8.count == 64, Hex.decode(hI) != nil, hI == hI.lowercased() else {
            throw c.invalid(.hI, "not 64 lowercase hex digits")
        }
        iat = try c.decode(Int64.self, forKey: .iat)
    }
}
