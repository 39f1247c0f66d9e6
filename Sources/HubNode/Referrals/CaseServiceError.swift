/// Why a case worker's action was refused. Nothing was changed. Messages
/// name fields, rules and ids, never a citizen's data.
public struct CaseServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of refusal this is; the API maps it to an HTTP status.
    public enum Kind: Sendable, Hashable {
        /// The request is wrong (400).
        case badRequest
        /// The caller may not do this (403).
        case forbidden
        /// No such case, referral or peer (404).
        case notFound
        /// The object's state does not allow it (409).
        case conflict
        /// A dependency is not reachable now (503); try again later.
        case unavailable
    }

    /// The kind.
    public var kind: Kind
    /// The snake_case code.
    public var code: String
    /// Human text.
    public var message: String

    /// Makes an error.
    public init(_ kind: Kind, _ code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func invalid(_ message: String) -> Self { Self(.badRequest, "invalid_request", message) }
    static let unknownCase = Self(.notFound, "unknown_case", "no case has that id")
    static let unknownReferral = Self(.notFound, "unknown_referral", "no referral has that sender and id")
    static let unknownPeer = Self(.notFound, "unknown_peer", "no configured peer has that name or OIN")
    static let caseClosed = Self(.conflict, "case_closed", "the case is closed")
}
