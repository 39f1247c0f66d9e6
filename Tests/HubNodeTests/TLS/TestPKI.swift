import Foundation
import HubNode
import Synchronization

/// A throw-away PKI for TLS tests, made with the `openssl` command line tool
/// in a temporary directory: roots, node and person certificates, an expired
/// and a revoked certificate, and CRLs.
final class TestPKI: Sendable {
    /// A certificate with its key, as files.
    struct Identity: Sendable {
        var certificate: String
        var key: String

        /// The PEM text of the certificate.
        var certificatePEM: String { (try? String(contentsOfFile: certificate, encoding: .utf8)) ?? "" }
    }

    /// A CA directory usable by `openssl ca`.
    struct Authority: Sendable {
        var directory: String
        var identity: Identity
        var config: String { directory + "/ca.cnf" }
        var crl: String { directory + "/crl.pem" }
    }

    /// Arnhem's OIN (test OINs start with 9999).
    static let arnhemOIN = "99990000000000000202"
    /// Zwolle's OIN.
    static let zwolleOIN = "99990000000000000193"

    let directory: String
    let federationRoot: Authority
    let localRoot: Authority
    let unknownRoot: Authority
    /// Arnhem's node: SAN DNS localhost and IP 127.0.0.1.
    let arnhemNode: Identity
    /// Zwolle's node: SAN DNS localhost and IP 127.0.0.1.
    let zwolleNode: Identity
    /// A federation node certificate naming only `other.example`.
    let otherHostNode: Identity
    /// An Arnhem case worker from the local CA, with role URI caseworker.
    let caseworker: Identity
    /// A federation node certificate valid only in 2020.
    let expiredNode: Identity
    /// A federation node certificate that is revoked in the federation CRL.
    let revokedNode: Identity
    /// A node certificate from a root in neither bundle.
    let unknownNode: Identity
    /// The federation CRL as it was, with a `nextUpdate` one hour ago (inside the grace period).
    let staleFederationCRL: String
    /// The federation CRL as it was, with a `nextUpdate` 25 hours ago (past the grace period).
    let expiredFederationCRL: String

    /// The one PKI all TLS tests share, made on first use and removed at exit.
    static let shared: TestPKI = {
        do {
            let pki = try TestPKI()
            atexit { try? FileManager.default.removeItem(atPath: TestPKI.shared.directory) }
            return pki
        } catch {
            fatalError("cannot make the test PKI: \(error)")
        }
    }()

    private init() throws {
        directory = NSTemporaryDirectory() + "hub-tls-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        federationRoot = try Self.makeRoot(in: directory, name: "federation", commonName: "Hub Test Federation Root")
        localRoot = try Self.makeRoot(in: directory, name: "local", commonName: "Gemeente Arnhem Local CA")
        unknownRoot = try Self.makeRoot(in: directory, name: "unknown", commonName: "Unknown Root")
        let nodeSAN = "DNS:localhost,IP:127.0.0.1"
        arnhemNode = try Self.issue(
            from: federationRoot,
            name: "arnhem",
            subject: "/serialNumber=\(Self.arnhemOIN)/CN=hub.arnhem.test",
            san: nodeSAN
        )
        zwolleNode = try Self.issue(
            from: federationRoot,
            name: "zwolle",
            subject: "/serialNumber=\(Self.zwolleOIN)/CN=hub.zwolle.test",
            san: nodeSAN
        )
        otherHostNode = try Self.issue(
            from: federationRoot,
            name: "other",
            subject: "/serialNumber=\(Self.arnhemOIN)/CN=other.example",
            san: "DNS:other.example"
        )
        caseworker = try Self.issue(
            from: localRoot,
            name: "caseworker",
            subject: "/serialNumber=\(Self.arnhemOIN)/CN=caseworker-17",
            san: "URI:urn:hub:role:caseworker",
            clientOnly: true
        )
        expiredNode = try Self.issue(
            from: federationRoot,
            name: "expired",
            subject: "/serialNumber=\(Self.zwolleOIN)/CN=expired.test",
            san: nodeSAN,
            validity: ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]
        )
        revokedNode = try Self.issue(
            from: federationRoot,
            name: "revoked",
            subject: "/serialNumber=\(Self.zwolleOIN)/CN=revoked.test",
            san: nodeSAN
        )
        unknownNode = try Self.issue(
            from: unknownRoot,
            name: "stranger",
            subject: "/serialNumber=\(Self.zwolleOIN)/CN=stranger.test",
            san: nodeSAN
        )
        try Self.openssl(["ca", "-batch", "-config", federationRoot.config, "-revoke", revokedNode.certificate])
        for authority in [federationRoot, localRoot, unknownRoot] {
            try Self.openssl(["ca", "-batch", "-config", authority.config, "-gencrl", "-out", authority.crl])
        }
        let hour: TimeInterval = 3600
        staleFederationCRL = try Self.gencrl(federationRoot, name: "stale", issued: -48 * hour, nextUpdate: -hour)
        expiredFederationCRL = try Self.gencrl(
            federationRoot,
            name: "expired",
            issued: -48 * hour,
            nextUpdate: -25 * hour
        )
    }

    /// A configuration for Arnhem's node (or another identity) with these bundles.
    func configuration(
        identity: Identity? = nil,
        localRoots: Bool = true,
        crls: Bool = false,
        handshakeTimeout: Duration = .seconds(10)
    ) -> TLSConfiguration {
        let identity = identity ?? arnhemNode
        return TLSConfiguration(
            certificateChain: .file(identity.certificate),
            privateKey: .file(identity.key),
            federationRoots: .file(federationRoot.identity.certificate),
            localRoots: localRoots ? .file(localRoot.identity.certificate) : nil,
            crls: crls ? [.file(federationRoot.crl), .file(localRoot.crl)] : [],
            handshakeTimeout: handshakeTimeout
        )
    }

    // MARK: openssl

    private static func makeRoot(in base: String, name: String, commonName: String) throws -> Authority {
        let directory = base + "/" + name
        try FileManager.default.createDirectory(atPath: directory + "/newcerts", withIntermediateDirectories: true)
        try "".write(toFile: directory + "/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: directory + "/serial", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: directory + "/crlnumber", atomically: true, encoding: .utf8)
        try caConfig(directory).write(toFile: directory + "/ca.cnf", atomically: true, encoding: .utf8)
        let identity = Identity(certificate: directory + "/ca.pem", key: directory + "/ca.key")
        try openssl([
            "req", "-x509", "-new", "-config", directory + "/ca.cnf", "-extensions", "root_ext",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", identity.key, "-out", identity.certificate, "-days", "3650", "-subj", "/CN=\(commonName)",
        ])
        return Authority(directory: directory, identity: identity)
    }

    private static func issue(
        from authority: Authority,
        name: String,
        subject: String,
        san: String,
        clientOnly: Bool = false,
        validity: [String] = ["-days", "30"]
    ) throws -> Identity {
        let base = authority.directory + "/" + name
        let identity = Identity(certificate: base + ".pem", key: base + ".key")
        let extensions = """
            [leaf]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = \(clientOnly ? "clientAuth" : "serverAuth,clientAuth")
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            subjectAltName = \(san)

            """
        try extensions.write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try openssl([
            "req", "-new", "-config", authority.config, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", identity.key, "-out", base + ".csr", "-subj", subject,
        ])
        try openssl(
            [
                "ca", "-batch", "-config", authority.config, "-in", base + ".csr", "-out", identity.certificate,
                "-notext", "-preserveDN", "-extfile", base + ".ext", "-extensions", "leaf",
            ] + validity
        )
        return identity
    }

    /// A CRL of `authority` with lastUpdate and nextUpdate relative to now.
    private static func gencrl(
        _ authority: Authority,
        name: String,
        issued: TimeInterval,
        nextUpdate: TimeInterval
    ) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        let path = authority.directory + "/crl-\(name).pem"
        try openssl([
            "ca", "-batch", "-config", authority.config, "-gencrl", "-out", path,
            "-crl_lastupdate", formatter.string(from: Date().addingTimeInterval(issued)),
            "-crl_nextupdate", formatter.string(from: Date().addingTimeInterval(nextUpdate)),
        ])
        return path
    }

    private static func caConfig(_ directory: String) -> String {
        """
        [ca]
        default_ca = ca_default

        [ca_default]
        dir = \(directory)
        database = $dir/index.txt
        new_certs_dir = $dir/newcerts
        certificate = $dir/ca.pem
        private_key = $dir/ca.key
        serial = $dir/serial
        crlnumber = $dir/crlnumber
        default_md = sha256
        default_days = 30
        default_crl_days = 30
        policy = policy_any
        unique_subject = no
        copy_extensions = none
        crl_extensions = crl_ext

        [policy_any]
        serialNumber = optional
        commonName = supplied

        [crl_ext]
        authorityKeyIdentifier = keyid:always

        [req]
        distinguished_name = dn

        [dn]

        [root_ext]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always

        """
    }

    /// Runs `openssl` with these arguments and throws with its output if it fails.
    @discardableResult
    static func openssl(_ arguments: [String], timeout: TimeInterval = 30) throws -> String {
        let result = try run("/usr/bin/openssl", arguments, timeout: timeout)
        guard result.status == 0 else {
            throw TestPKIError(message: "openssl \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
        return result.output
    }

    /// Runs a program with stdin from /dev/null, killing it after `timeout`;
    /// returns its exit status and its stdout and stderr together.
    static func run(
        _ path: String,
        _ arguments: [String],
        timeout: TimeInterval
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read while waiting so a chatty process cannot block on a full pipe.
        let collected = LockedData()
        let reader = Thread {
            collected.append(output.fileHandleForReading.readDataToEndOfFile())
        }
        reader.start()
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if process.isRunning {
            // Only the process this function started is stopped.
            process.terminate()
        }
        process.waitUntilExit()
        while !collected.isDone { Thread.sleep(forTimeInterval: 0.005) }
        return (process.terminationStatus, String(decoding: collected.data, as: UTF8.self))
    }
}

struct TestPKIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Bytes collected by a reader thread.
final class LockedData: Sendable {
    private let storage = Mutex<Data?>(nil)

    func append(_ data: Data) { storage.withLock { $0 = data } }
    var isDone: Bool { storage.withLock { $0 != nil } }
    var data: Data { storage.withLock { $0 ?? Data() } }
}
