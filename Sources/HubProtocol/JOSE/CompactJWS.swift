/// A compact JWS split into its parts (PROTOCOL §4 step 1), and the ES256
/// primitive below the hub's header rules.
public struct CompactJWS: Sendable {
    /// The largest compact JWS accepted (2 MiB).
    public static let maxSize = 2 << 20

    /// The whole serialisation as received.
    public let compact: String
    /// The base64url text of the protected header.
    public let headerPart: Substring
    /// The base64url text of the payload.
    public let payloadPart: Substring
    /// The decoded protected header bytes.
    public let header: [UInt8]
    /// The decoded payload bytes.
    public let payload: [UInt8]
    /// The decoded signature bytes.
    public let signature: [UInt8]

    /// Step 1: three unpadded, canonical base64url parts, at most 2 MiB in all.
    public init(_ compact: String) throws(JWSFailure) {
        guard compact.utf8.count <= Self.maxSize else {
            throw JWSFailure(.malformed, "larger than 2 MiB")
        }
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw JWSFailure(.malformed, "a compact JWS has 3 parts separated by '.', this has \(parts.count)")
        }
        guard let header = Base64URL.decode(parts[0]), !header.isEmpty else {
            throw JWSFailure(.malformed, "the header part is not canonical unpadded base64url")
        }
        guard let payload = Base64URL.decode(parts[1]) else {
            throw JWSFailure(.malformed, "the payload part is not canonical unpadded base64url")
        }
        guard let signature = Base64URL.decode(parts[2]) else {
            throw JWSFailure(.malformed, "the signature part is not canonical unpadded base64url")
        }
        self.compact = compact
        self.headerPart = parts[0]
        self.payloadPart = parts[1]
        self.header = header
        self.payload = payload
        self.signature = signature
    }

    /// The JWS signing input: `ASCII(header_b64 "." payload_b64)`.
    public var signingInput: [UInt8] { Array(headerPart.utf8) + [UInt8(ascii: ".")] + Array(payloadPart.utf8) }

    /// Whether the ES256 signature verifies under `key` (no header rules).
    public func verifiesES256(with key: P256PublicKey) -> Bool {
        ES256.verify(signature: signature, of: signingInput, with: key)
    }

    /// Signs raw header and payload bytes with ES256 and returns the compact form.
    /// Below the hub's rules: the caller chooses the header.
    public static func signES256(header: [UInt8], payload: [UInt8], with key: P256PrivateKey) throws -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = try ES256.sign(Array(input.utf8), with: key)
        return input + "." + Base64URL.encode(signature)
    }

    /// The content address of PROTOCOL §4: base64url(SHA-256(the UTF-8 bytes as received)).
    public static func hash(_ value: String) -> String {
        Base64URL.encode(SHA256.hash(Array(value.utf8)))
    }
}

/// Why a signed object was refused, with the receipt reason code of PROTOCOL §4.
public struct JWSFailure: Error, Sendable, CustomStringConvertible {
    /// The reason code a receipt carries.
    public var reason: ReceiptReason
    /// Operator text (never personal data).
    public var detail: String

    /// Makes a failure.
    public init(_ reason: ReceiptReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
