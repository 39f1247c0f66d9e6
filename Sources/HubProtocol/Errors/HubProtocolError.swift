/// The one error type of the HubProtocol module.
///
/// A `Code` names the kind of failure (extensible without a breaking change);
/// `message` says what was wrong in words an operator can act on. Messages never
/// contain a citizen's personal data: callers pass field names and positions,
/// never values read from sealed data or BSNs.
public struct HubProtocolError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let rawValue: String

        /// Makes a code from its snake_case name.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// Human text naming the problem.
    public var message: String
    /// The OpenSSL error queue at the time of failure, oldest first, if any.
    public var openSSLErrors: [String]

    /// Makes an error with a code and a message.
    public init(_ code: Code, _ message: String, openSSLErrors: [String] = []) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        if openSSLErrors.isEmpty { return "\(code): \(message)" }
        return "\(code): \(message) (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
    }
}

extension HubProtocolError.Code {
    /// An OpenSSL call failed.
    public static let crypto = Self("crypto")
    /// Input is not of the expected encoding (base64url, hex, PEM).
    public static let encoding = Self("encoding")
    /// A key is missing, of the wrong type or curve, or unusable.
    public static let invalidKey = Self("invalid_key")
    /// A file could not be read or has unsafe permissions.
    public static let file = Self("file")
}
