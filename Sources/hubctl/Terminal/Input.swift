import ArgumentParser
import HubProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Reading what commands take from standard input or a file.
enum Input {
    /// All bytes of `path`, or of standard input when `path` is nil or `-`.
    static func bytes(from path: String?, what: String) throws -> [UInt8] {
        if let path, path != "-" {
            do {
                return try SecretFile.read(path: path)
            } catch let error as HubProtocolError {
                throw CommandError("cannot read \(what): \(error.message)")
            }
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(0, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandError("cannot read \(what) from standard input")
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            guard out.count <= 64 << 20 else { throw CommandError("\(what) is larger than 64 MiB") }
        }
        return out
    }

    /// A UTF-8 text from `path` or standard input, without surrounding whitespace.
    static func text(from path: String?, what: String) throws -> String {
        let bytes = try bytes(from: path, what: what)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("\(what) is not UTF-8 text")
        }
        return text.trimmingWhitespace()
    }

    /// Lines of standard input (for BSNs), without line endings.
    static func lines(what: String) throws -> [String] {
        let bytes = try bytes(from: nil, what: what)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("\(what) is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A PEM file's text.
    static func pem(_ path: String, what: String) throws -> String {
        let bytes = try Self.bytes(from: path, what: what)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("\(what) \(path) is not PEM text")
        }
        return text
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

/// A one-line error for the person at the terminal; exits 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
