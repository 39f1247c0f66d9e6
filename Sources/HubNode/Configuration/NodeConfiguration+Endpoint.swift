#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension NodeConfiguration {
    /// An `https://` URL naming a node: a host and a port, nothing else.
    ///
    /// The text form is `https://HOST[:PORT][/]`, where HOST is a DNS name,
    /// an IPv4 address or a bracketed IPv6 address; PORT defaults to 443. A
    /// path, query, fragment or user info is refused: the protocol's paths
    /// (`/v1/…`) are fixed.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// The host, lowercased, without brackets for IPv6.
        public let host: String
        /// The TCP port, 1–65535.
        public let port: Int

        /// Makes an endpoint from a host (DNS name or IP address) and a port;
        /// nil when either is invalid.
        public init?(host: String, port: Int = 443) {
            guard Self.isValidHost(host), (1...65_535).contains(port) else { return nil }
            self.host = host.lowercased()
            self.port = port
        }

        /// Parses `https://HOST[:PORT][/]`; nil when it is anything else.
        public init?(_ text: String) {
            guard case .success(let endpoint) = Self.parse(text) else { return nil }
            self = endpoint
        }

        /// `https://host:port`, with IPv6 hosts in brackets.
        public var description: String {
            "https://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }

        /// Parses `text`, or says why it is not an endpoint.
        static func parse(_ text: String) -> Result<Endpoint, EndpointProblem> {
            let scheme = "https://"
            guard text.lowercased().hasPrefix(scheme) else { return .failure(.notHTTPS) }
            var rest = Substring(text.dropFirst(scheme.count))
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            guard !rest.contains(where: { "/?#@ ".contains($0) }) else { return .failure(.extraParts) }
            var host: Substring
            var portText: Substring?
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return .failure(.badHost) }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return .failure(.badHost) }
                    portText = after.dropFirst()
                }
                guard host.contains(":") else { return .failure(.badHost) }
            } else {
                let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2 else { return .failure(.badHost) }
                host = parts[0]
                portText = parts.count == 2 ? parts[1] : nil
            }
            guard !host.isEmpty else { return .failure(.noHost) }
            var port = 443
            if let portText {
                guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let value = Int(portText), (1...65_535).contains(value)
                else { return .failure(.badPort) }
                port = value
            }
            guard let endpoint = Endpoint(host: String(host), port: port) else { return .failure(.badHost) }
            return .success(endpoint)
        }

        /// Whether `host` is a DNS name, an IPv4 address or an (unbracketed)
        /// IPv6 address.
        static func isValidHost(_ host: String) -> Bool {
            if host.contains(":") { return isIPAddress(host, family: AF_INET6) }
            if isIPAddress(host, family: AF_INET) { return true }
            guard !host.isEmpty, host.utf8.count <= 253 else { return false }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            // All-numeric labels that are not an IPv4 address are a typo, not a name.
            guard !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return false }
            return labels.allSatisfy { label in
                (1...63).contains(label.utf8.count)
                    && label.utf8.allSatisfy { byte in
                        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                            || byte == UInt8(ascii: "-")
                    }
                    && label.first != "-" && label.last != "-"
            }
        }

        private static func isIPAddress(_ text: String, family: Int32) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 16)
            return inet_pton(family, text, &buffer) == 1
        }
    }

    /// Why a text is not an ``Endpoint``.
    enum EndpointProblem: Error {
        case notHTTPS, extraParts, noHost, badHost, badPort

        var reason: String {
            switch self {
            case .notHTTPS: "must be an https:// URL with a host"
            case .extraParts: "must be an https:// URL with a host and an optional port, without path, query or user"
            case .noHost: "must be an https:// URL with a host"
            case .badHost: "has an invalid host (a DNS name, IPv4 address or [IPv6] address)"
            case .badPort: "has an invalid port (1-65535)"
            }
        }
    }
}
