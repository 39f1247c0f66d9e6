public import HTTPTypes

/// The one error type of the HubNode module.
///
/// A ``Code`` names the kind of failure; it is an extensible string, and each
/// part of the node declares its own codes in an extension beside its code
/// (`TLS/HubNodeError+TLS.swift`, `Store/HubNodeError+Store.swift`, …).
/// ``message`` says what went wrong in words an operator can act on.
/// ``cause`` is the error underneath, when there is one: GRDB's
/// `DatabaseError` behind a store error, the TLS error behind the client's
/// ``Code/tls``. ``detail`` says which part of the node failed and carries the
/// few facts of that part a caller acts on: OpenSSL's error queue, SQLite's
/// result code, the HTTP status a refused action is answered with, the
/// problems of a configuration file.
///
/// Ask ``detail`` which part failed before acting on a code: a few raw codes
/// are shared by two parts (`not_found` by the store and the case-worker API,
/// `invalid_request` by the client and the case service), because they are
/// wire codes and log text that must not change.
///
/// Messages never contain a citizen's personal data: they name keys, fields,
/// tables, endpoints and ids, never BSNs or values read from sealed data.
/// An HTTP answer is not this type but ``HubHTTPError``: a status plus the
/// JSON error body of PROTOCOL §3, which the API handlers make from this one.
public struct HubNodeError: Error, Hashable, CustomStringConvertible {
    /// What kind of failure this is: a snake_case name, extensible without a
    /// breaking change.
    ///
    /// Two codes are equal when their names are, whichever part declared them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let rawValue: String

        /// Makes a code from its snake_case name.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// The part of the node that failed, with the facts of that part a caller
    /// acts on.
    public enum Detail: Hashable, Sendable {
        /// The TLS layer (``TLSContext``, ``OpenSSLTLSHandler``): OpenSSL's error
        /// queue at the time of failure, oldest first; and, for a refused peer
        /// certificate, the kind of problem when it is known (the metrics'
        /// ``HandshakeFailureReason``).
        case tls(openSSLErrors: [String] = [], certificateFailure: PeerCertificateFailure? = nil)
        /// The store (``NodeStore`` and its tables): SQLite's extended result
        /// code when SQLite reported the failure.
        case store(sqliteCode: Int32? = nil)
        /// The HTTP client (``HubHTTPClient``): connecting, the TLS handshake,
        /// sending a request or reading its response.
        case client
        /// A case worker's action refused by ``CaseService``, which changed
        /// nothing: the HTTP status the case-worker API answers with (`503`
        /// with `Retry-After` means try again later).
        case caseService(status: HTTPResponse.Status)
        /// A configuration file that cannot be loaded: the file, and every
        /// problem found in the order found (never empty).
        case configuration(file: String, problems: [ConfigurationProblem])
        /// A peer's descriptor that could not be had: the HTTP status, when
        /// the peer answered with one (a `4xx` alerts an operator, PROTOCOL §6).
        case descriptor(peerStatus: Int? = nil)
    }

    /// The kind of failure.
    public var code: Code
    /// Human text naming the problem.
    public var message: String
    /// The part of the node that failed and its facts.
    public var detail: Detail
    /// The error underneath, if any. It is not part of ``description``: the
    /// message already says what an operator needs.
    public var cause: (any Error)?

    /// Makes an error of the part `detail` names.
    public init(_ code: Code, _ message: String, detail: Detail, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
        self.cause = cause
    }

    /// `<code>: <message>`, with OpenSSL's queue appended for a TLS error;
    /// a configuration error is the message (a header naming the file) then
    /// one `  <key>: <reason>` line per problem; a descriptor error is the
    /// message, after `HTTP <status>: ` when the peer answered.
    public var description: String {
        switch detail {
        case .tls(let openSSLErrors, _) where !openSSLErrors.isEmpty:
            "\(code): \(message) (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
        case .configuration(_, let problems):
            "\(message):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .descriptor(let peerStatus?):
            "HTTP \(peerStatus): \(message)"
        case .descriptor(nil):
            message
        case .tls, .store, .client, .caseService:
            "\(code): \(message)"
        }
    }

    /// Two errors are equal when their codes, messages and details are, and
    /// so are their causes: two node errors compare as such, any other two by
    /// their debug text.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.detail == rhs.detail
            && sameCause(lhs.cause, rhs.cause)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(detail)
    }

    private static func sameCause(_ lhs: (any Error)?, _ rhs: (any Error)?) -> Bool {
        guard let lhs, let rhs else { return lhs == nil && rhs == nil }
        if let lhs = lhs as? HubNodeError, let rhs = rhs as? HubNodeError { return lhs == rhs }
        return String(reflecting: lhs) == String(reflecting: rhs)
    }
}
