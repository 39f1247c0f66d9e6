/// A Dutch citizen service number (burgerservicenummer), validated.
///
/// PROTOCOL §8: nine digits (an eight-digit number gets a leading zero) that
/// pass the 11-proof; `000000000` is refused. The value is personal data: its
/// `description` is redacted so that it cannot reach a log by accident, and
/// errors name the rule that failed, never the digits.
public struct BSN: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The nine digits. Handle with care: personal data.
    public let digits: String

    /// Validates and normalises `text` (surrounding spaces are ignored).
    public init(_ text: some StringProtocol) throws {
        var chars = Array(text.utf8)
        while let f = chars.first, f == 0x20 || f == 0x09 { chars.removeFirst() }
        while let l = chars.last, l == 0x20 || l == 0x09 || l == 0x0d { chars.removeLast() }
        guard chars.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw HubProtocolError(.invalidBSN, "a BSN has only digits")
        }
        if chars.count == 8 { chars.insert(0x30, at: 0) }
        guard chars.count == 9 else {
            throw HubProtocolError(
                .invalidBSN,
                "a BSN has 9 digits (or 8, which get a leading zero); this has \(chars.count)"
            )
        }
        guard chars != Array("000000000".utf8) else {
            throw HubProtocolError(.invalidBSN, "000000000 is not a BSN")
        }
        let d = chars.map { Int($0 - 0x30) }
        var sum = 0
        for i in 0..<8 { sum += (9 - i) * d[i] }
        sum -= d[8]
        guard sum % 11 == 0 else {
            throw HubProtocolError(.invalidBSN, "the number fails the 11-proof")
        }
        digits = String(decoding: chars, as: UTF8.self)
    }

    public var description: String { "BSN(redacted)" }
    public var debugDescription: String { "BSN(redacted)" }
}

extension HubProtocolError.Code {
    /// A BSN failed validation.
    public static let invalidBSN = Self("invalid_bsn")
}
