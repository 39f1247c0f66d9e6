extension HubProtocolError.Code {
    /// A JSON value does not have the shape a typed model demands: a wrong type,
    /// a missing or unknown member, an integer out of range, or a failed model
    /// check. The message starts with the JSON path of the offending value.
    public static let invalidValue = Self("invalid_value")
}

/// A coding key made by the JSON value coders: an object member name or an
/// array index.
struct JSONCodingKey: CodingKey, Sendable {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.init(index: intValue)
    }

    /// The key of element `index` of an array.
    init(index: Int) {
        // The same spelling the standard library uses for its own index keys, so
        // that both kinds print the same way in paths.
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    /// The member a keyed container's `superDecoder()` / `superEncoder()` uses.
    static let `super` = JSONCodingKey(stringValue: "super")
}

/// Renders coding paths and coding errors in the form an operator reads:
/// `body.children[2].age_band: expected a string, found a number`.
///
/// Paths carry member names (which may be attacker-chosen, so they are
/// truncated and escaped) and never member values.
enum JSONCodingPath {
    /// Longest member name printed in full; longer ones are cut with "…".
    static let maxNameLength = 64

    /// The path `codingPath` in dotted form, starting at `rootName` if given.
    ///
    /// An empty path without a root name is "(top level)".
    static func describe(_ codingPath: [any CodingKey], rootName: String?) -> String {
        var text = rootName ?? ""
        for key in codingPath {
            if let index = arrayIndex(of: key) {
                text += "[\(index)]"
            } else if isPlainName(key.stringValue) {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            } else {
                text += "[\(quoted(key.stringValue))]"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    /// A member name in double quotes, escaped and cut to ``maxNameLength``.
    static func quoted(_ name: String) -> String {
        var text = "\""
        var count = 0
        for scalar in name.unicodeScalars {
            if count == maxNameLength {
                text += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                text += "\\u" + hex4(scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    /// The `HubProtocolError` for a `DecodingError` thrown by the decoder or by a
    /// model's `init(from:)`.
    static func error(from error: DecodingError, rootName: String?) -> HubProtocolError {
        let message: String
        switch error {
        case .keyNotFound(let key, let context):
            message = "\(describe(context.codingPath, rootName: rootName)): missing member \(quoted(key.stringValue))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            message = "\(describe(context.codingPath, rootName: rootName)): \(redacted(context.debugDescription))"
        @unknown default:
            message = "\(describe([], rootName: rootName)): cannot decode"
        }
        return HubProtocolError(.invalidValue, message)
    }

    /// The `HubProtocolError` for an `EncodingError` thrown by the encoder or by
    /// a model's `encode(to:)`.
    static func error(from error: EncodingError, rootName: String?) -> HubProtocolError {
        switch error {
        case .invalidValue(_, let context):
            return HubProtocolError(
                .invalidValue,
                "\(describe(context.codingPath, rootName: rootName)): \(context.debugDescription)"
            )
        @unknown default:
            return HubProtocolError(.invalidValue, "\(describe([], rootName: rootName)): cannot encode")
        }
    }

    /// `debugDescription` with the value removed from the one standard-library
    /// message known to quote it: a `RawRepresentable` enum's default
    /// `init(from:)` says "Cannot initialize T from invalid String value <value>",
    /// and the value may be personal data.
    static func redacted(_ description: String) -> String {
        let marker = " from invalid "
        guard description.hasPrefix("Cannot initialize "),
            let from = description.firstRange(of: marker),
            let value = description[from.upperBound...].firstRange(of: " value ")
        else { return description }
        return String(description[..<value.lowerBound]) + " value"
    }

    private static func arrayIndex(of key: any CodingKey) -> Int? {
        // Index keys, ours and the standard library's, spell "Index n"; a
        // dictionary key such as "5" also has an intValue but names a member.
        guard let index = key.intValue, key.stringValue == "Index \(index)" else { return nil }
        return index
    }

    private static func isPlainName(_ name: String) -> Bool {
        guard !name.isEmpty, name.unicodeScalars.count <= maxNameLength else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "$": return true
            default: return false
            }
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: false)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension JSONValue {
    /// What kind of value this is, for error messages ("a string", "null").
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
