import Foundation
import HubProtocol
import Testing

/// Made-up test OINs (PROTOCOL §1: they start with 9999).
enum TestOIN {
    static let arnhem = "99990000000000000202"
    static let zwolle = "99990000000000000193"
    static let assen = "99990000000000000106"
}

/// A small test PKI: a federation root with an intermediate, and a local root.
struct TestPKI {
    static let day: Int64 = 86400
    let now: Int64
    let federationRoot: CertificateAuthority
    let intermediate: CertificateAuthority
    let localRoot: CertificateAuthority

    init(now: Int64 = Int64(Date().timeIntervalSince1970)) throws {
        self.now = now
        federationRoot = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(
                commonName: "Hub Test Federation Root",
                organization: "Hub Test",
                country: "NL"
            ),
            key: P256PrivateKey(),
            notBefore: now - 10 * Self.day,
            notAfter: now + 3650 * Self.day
        )
        intermediate = try federationRoot.makeIntermediate(
            subject: CertificateSubject(commonName: "Hub Test Federation Issuing CA", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: now - 10 * Self.day,
            notAfter: now + 1825 * Self.day
        )
        localRoot = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(
                commonName: "Gemeente Arnhem Local CA",
                organization: "Gemeente Arnhem",
                serialNumber: TestOIN.arnhem
            ),
            key: P256PrivateKey(),
            notAfter: now + 3650 * Self.day
        )
    }

    var federationBundle: TrustBundle { get throws { try TrustBundle(roots: [federationRoot.certificate]) } }
    var localBundle: TrustBundle { get throws { try TrustBundle(roots: [localRoot.certificate]) } }

    /// A node certificate for Arnhem from `issuer` (default: the intermediate).
    func node(
        issuer: CertificateAuthority? = nil,
        oin: String = TestOIN.arnhem,
        uris: [String] = [],
        notBefore: Int64? = nil,
        notAfter: Int64? = nil,
        key: P256PrivateKey? = nil
    ) throws -> Certificate {
        let profile = CertificateProfile.node(
            oin: oin,
            displayName: "Gemeente Arnhem",
            dnsNames: ["hub.arnhem.test", "*.hub.arnhem.test"],
            ipAddresses: ["192.0.2.10", "2001:db8::10"],
            uris: uris,
            notBefore: notBefore,
            notAfter: notAfter ?? now + 365 * Self.day
        )
        return try (issuer ?? intermediate).issue(profile, publicKey: (key ?? P256PrivateKey()).publicKey)
    }

    /// A person certificate from the local root.
    func person(
        role: Role = .caseworker,
        commonName: String = "j.devries",
        nodeOIN: String = TestOIN.arnhem
    ) throws -> Certificate {
        try localRoot.issue(
            .person(commonName: commonName, nodeOIN: nodeOIN, role: role, notAfter: now + 365 * Self.day),
            publicKey: P256PrivateKey().publicKey
        )
    }
}

/// Runs the system `openssl` CLI (tests only; Sources never shell out).
enum OpenSSLCLI {
    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-x509-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// A PEM public key of another type (`RSA`, `EC` with a curve), made by the CLI.
    static func publicKeyPEM(algorithm: [String], in directory: URL) throws -> String {
        let generated = try run(["genpkey"] + algorithm + ["-out", "other.key"], in: directory)
        #expect(generated.status == 0, "openssl genpkey: \(generated.output)")
        let extracted = try run(["pkey", "-in", "other.key", "-pubout"], in: directory)
        #expect(extracted.status == 0, "openssl pkey: \(extracted.output)")
        return extracted.output
    }
}

/// The error a throwing call raised, as a HubProtocolError.
func hubError<T>(_ body: () throws -> T) -> HubProtocolError? {
    do {
        _ = try body()
        return nil
    } catch let error as HubProtocolError {
        return error
    } catch {
        return nil
    }
}
