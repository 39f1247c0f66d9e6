import Foundation
import HubProtocol
import Testing

/// One Wycheproof vector file, read with Foundation (tests only).
struct WycheproofFile {
    /// A test group: its own parameters and its tests, as Foundation objects.
    struct Group {
        let parameters: [String: Any]
        let tests: [[String: Any]]

        func int(_ name: String) -> Int? { (parameters[name] as? NSNumber)?.intValue }
    }

    let name: String
    let numberOfTests: Int
    let groups: [Group]

    init(_ name: String) throws {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources/vectors/wycheproof"),
            "vector file \(name).json is missing from the test bundle"
        )
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        self.name = name
        self.numberOfTests = try #require((root["numberOfTests"] as? NSNumber)?.intValue)
        let groups = try #require(root["testGroups"] as? [[String: Any]])
        self.groups = try groups.map { group in
            Group(parameters: group, tests: try #require(group["tests"] as? [[String: Any]]))
        }
    }

    /// Every test with its group, in file order.
    var tests: [(group: Group, test: [String: Any])] {
        groups.flatMap { group in group.tests.map { (group, $0) } }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The hex member `name` as bytes.
    func hex(_ name: String) throws -> [UInt8] {
        let text = try #require(self[name] as? String, "\(name) missing")
        return try #require(Hex.decode(text), "\(name) is not hex")
    }

    var tcId: Int { (self["tcId"] as? NSNumber)?.intValue ?? -1 }
    var result: String { self["result"] as? String ?? "?" }
    var flags: [String] { self["flags"] as? [String] ?? [] }
}

/// A JSON object of string members (JWKs in tests).
func stringObject(_ members: [String: String]) -> JSONValue {
    .object(members.mapValues { .string($0) })
}

/// Converts a Foundation JSON object (from `JSONSerialization`) to a `JSONValue`.
func jsonValue(fromFoundation object: Any) throws -> JSONValue {
    switch object {
    case is NSNull: return .null
    case let s as String: return .string(s)
    case let n as NSNumber:
        // JSONSerialization makes booleans NSNumbers of ObjC type "c" (char).
        if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
        return .number(n.doubleValue)
    case let a as [Any]: return .array(try a.map(jsonValue(fromFoundation:)))
    case let o as [String: Any]: return .object(try o.mapValues(jsonValue(fromFoundation:)))
    default:
        Issue.record("unexpected JSON object \(type(of: object))")
        throw HubProtocolError(.json, "unexpected Foundation JSON type")
    }
}
