extension JSONValue {
    /// Checks that this value is I-JSON under `options`: that the parser, with
    /// the same options, accepts its JCS serialisation.
    ///
    /// Use it on values built in code from outside data before ``JCS/serialize(_:)``,
    /// which treats a non-finite number as a programmer error. Refuses numbers
    /// that are NaN or infinite (or, with ``JSONParser/Options/integersOnly``,
    /// not integers within ±(2^53−1); `-0` passes since JCS writes it `0`),
    /// strings and member names holding noncharacter code points, and nesting
    /// deeper than ``JSONParser/Options/maxDepth``.
    ///
    /// - Throws: ``HubProtocolError`` with code `json`; the message never quotes
    ///   the value.
    public func validate(_ options: JSONParser.Options = .init()) throws {
        try validate(options, depth: 0)
    }

    private func validate(_ options: JSONParser.Options, depth: Int) throws {
        switch self {
        case .null, .bool:
            return
        case .number(let number):
            guard number.isFinite else { throw HubProtocolError(.json, "number is not finite") }
            if options.integersOnly, intValue == nil {
                throw HubProtocolError(.json, "number is not an integer within ±(2^53−1)")
            }
        case .string(let string):
            try Self.validateScalars(of: string, what: "string")
        case .array(let elements):
            guard depth < options.maxDepth else {
                throw HubProtocolError(.json, "nesting deeper than \(options.maxDepth)")
            }
            for element in elements { try element.validate(options, depth: depth + 1) }
        case .object(let members):
            guard depth < options.maxDepth else {
                throw HubProtocolError(.json, "nesting deeper than \(options.maxDepth)")
            }
            for (name, value) in members {
                try Self.validateScalars(of: name, what: "member name")
                try value.validate(options, depth: depth + 1)
            }
        }
    }

    private static func validateScalars(of string: String, what: String) throws {
        // Swift strings hold no surrogates; only noncharacters can be wrong here.
        for scalar in string.unicodeScalars where JSONParser.isNoncharacter(scalar.value) {
            throw HubProtocolError(.json, "\(what) contains a noncharacter code point")
        }
    }
}
