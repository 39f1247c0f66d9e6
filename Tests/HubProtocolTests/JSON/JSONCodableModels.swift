import HubProtocol

/// Models exercising the JSON value coders, shared by ``JSONCodableTests``.
enum JSONCodableModels {
    struct Child: Codable, Equatable {
        var name: String
        var age: Int
        var tags: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, age, tags
        }
    }

    enum Status: String, Codable, Equatable {
        case accepted, rejected
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case square(side: Int)
        case point
    }

    struct Family: Codable, Equatable {
        var id: String
        var children: [Child]
        var status: Status
        var note: String?
        var counts: [String: Int]
        var groups: [String: [Child]]
        var shapes: [Shape]
        var small: UInt8
        var big: Int64
        var ratio: Double
        var single: Float
        var flags: [Bool?]
        var matrix: [[Int]]
        var free: JSONValue

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, children, status, note, counts, groups, shapes, small, big, ratio, single, flags, matrix, free
        }
    }

    /// Synthesised keys: not `CaseIterable`, so unknown members are ignored.
    struct Loose: Codable, Equatable {
        var a: Int
    }

    /// A receipt-like model: a required member that may be null, and checks.
    struct Receipt: Codable, Equatable {
        var jti: String
        var iat: Int64
        var exp: Int64
        var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case jti, iat, exp, reason
        }

        init(jti: String, iat: Int64, exp: Int64, reason: String?) {
            self.jti = jti
            self.iat = iat
            self.exp = exp
            self.reason = reason
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            jti = try container.decode(String.self, forKey: .jti)
            try container.require(
                jti.count == 36 && jti == jti.lowercased(),
                forKey: .jti,
                "not a lowercase UUID"
            )
            iat = try container.decode(Int64.self, forKey: .iat)
            exp = try container.decode(Int64.self, forKey: .exp)
            reason = try container.decode(String?.self, forKey: .reason)
            try decoder.require(iat < exp, "iat is not before exp")
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(jti, forKey: .jti)
            try container.encode(iat, forKey: .iat)
            try container.encode(exp, forKey: .exp)
            try container.encode(reason, forKey: .reason)  // explicit null when nil
        }
    }

    /// One member `a` of any type; codable and equatable where `T` is.
    struct Wrapper<T> {
        var a: T
        enum CodingKeys: String, CodingKey, CaseIterable { case a }
    }

    /// A syntactically optional member: synthesised code uses decodeIfPresent.
    struct OptionalMember: Codable, Equatable {
        var a: Int?
        enum CodingKeys: String, CodingKey, CaseIterable { case a }
    }

    /// Holds `b: [Item]`, each item `{c: String}`: for path tests `a.b[1].c`.
    struct Item: Codable, Equatable {
        var c: String
        enum CodingKeys: String, CodingKey, CaseIterable { case c }
    }

    struct Middle: Codable, Equatable {
        var b: [Item]
        enum CodingKeys: String, CodingKey, CaseIterable { case b }
    }

    /// Decodes a fixed-length array `[x, y, z]` through an unkeyed container.
    struct Triple: Codable, Equatable {
        var x: Int
        var y: String
        var z: Bool

        init(x: Int, y: String, z: Bool) {
            self.x = x
            self.y = y
            self.z = z
        }

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            x = try container.decode(Int.self)
            y = try container.decode(String.self)
            z = try container.decode(Bool.self)
            guard container.isAtEnd else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "more than three elements")
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(x)
            try container.encode(y)
            try container.encode(z)
        }
    }

    /// Class hierarchy coded through `superEncoder()` / `superDecoder()`.
    class Base: Codable {
        var id: Int
        init(id: Int) { self.id = id }
        enum CodingKeys: String, CodingKey, CaseIterable { case id }
    }

    final class Derived: Base {
        var extra: String

        init(id: Int, extra: String) {
            self.extra = extra
            super.init(id: id)
        }

        enum DerivedKeys: String, CodingKey, CaseIterable { case extra, `super` }

        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: DerivedKeys.self)
            extra = try container.decode(String.self, forKey: .extra)
            try super.init(from: container.superDecoder())
        }

        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DerivedKeys.self)
            // The super encoder is made first and written last: its value must still land.
            let superEncoder = container.superEncoder()
            try container.encode(extra, forKey: .extra)
            try super.encode(to: superEncoder)
        }
    }

    /// Writes into nested containers after making them and after writing siblings.
    struct LateWriter: Encodable {
        enum Keys: String, CodingKey { case a, b, c, d, e, f }

        func encode(to encoder: any Encoder) throws {
            var top = encoder.container(keyedBy: Keys.self)
            var nested = top.nestedContainer(keyedBy: Keys.self, forKey: .a)
            var list = top.nestedUnkeyedContainer(forKey: .b)
            let superEncoder = top.superEncoder(forKey: .e)
            try top.encode(1, forKey: .c)
            var deeper = list.nestedContainer(keyedBy: Keys.self)
            var inner = nested.nestedUnkeyedContainer(forKey: .f)
            try nested.encode("x", forKey: .d)
            try list.encode(true)
            try deeper.encode(2, forKey: .c)
            try inner.encodeNil()
            try inner.encode(3)
            var single = superEncoder.singleValueContainer()
            try single.encode("late")
            // Asking again for the same nested object gives the same buffer.
            var again = top.nestedContainer(keyedBy: Keys.self, forKey: .a)
            try again.encode(false, forKey: .c)
        }
    }

    /// Writes a value through a single-value container, then asks for an object.
    struct Conflicted: Encodable {
        func encode(to encoder: any Encoder) throws {
            var single = encoder.singleValueContainer()
            try single.encode(1)
            var keyed = encoder.container(keyedBy: JSONTestKey.self)
            try keyed.encode(2, forKey: JSONTestKey("a"))
        }
    }

    struct EncodesNothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct ThrowsHubError: Decodable {
        init(from decoder: any Decoder) throws {
            throw HubProtocolError(.encoding, "own error")
        }
    }

    struct JSONTestKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension JSONCodableModels.Wrapper: Encodable where T: Encodable {}
extension JSONCodableModels.Wrapper: Decodable where T: Decodable {}
extension JSONCodableModels.Wrapper: Equatable where T: Equatable {}
