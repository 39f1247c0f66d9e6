import ArgumentParser
import Foundation
import HubProtocol

/// `hubctl pki`: the test and municipal PKI of PROTOCOL §1, built on OpenSSL
/// through HubProtocol (no `openssl` CLI).
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Make CAs, issue node and personal certificates, revoke them and publish CRLs.",
        discussion: """
            A CA folder holds ca.pem, ca.key (mode 0600), revoked.txt and crlnumber.
            Private keys are written with mode 0600 and never overwritten.
            """,
        subcommands: [InitCA.self, Issue.self, Revoke.self, MakeCRL.self, ExportP12.self]
    )

    /// A CA folder on disk.
    struct CAFolder {
        let path: String
        var certificatePath: String { path + "/ca.pem" }
        var keyPath: String { path + "/ca.key" }
        var revokedPath: String { path + "/revoked.txt" }
        var crlNumberPath: String { path + "/crlnumber" }

        func load() throws -> CertificateAuthority {
            let cert = try SignerOptions.loading("--ca \(path)") {
                try Certificate(pem: Input.pem(certificatePath, what: "--ca"))
            }
            let key = try SignerOptions.loading("--ca \(path)") { try SecretFile.loadPrivateKey(path: keyPath) }
            return try SignerOptions.loading("--ca \(path)") { try CertificateAuthority(certificate: cert, key: key) }
        }

        /// Revoked serials with their revocation times.
        func revoked() throws -> [RevokedCertificate] {
            guard let text = try? String(contentsOfFile: revokedPath, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let t = Int64(parts[1]) else { return nil }
                return RevokedCertificate(serialNumberHex: String(parts[0]), revocationTime: t)
            }
        }
    }

    /// Writes a new public file (certificate, CRL); refuses to overwrite unless asked.
    static func writePublic(_ path: String, _ text: String, overwrite: Bool = false) throws {
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw CommandError("\(path) exists; not overwritten")
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a new private key with mode 0600.
    static func writeKey(_ path: String, _ key: P256PrivateKey) throws {
        try SignerOptions.loading("--out \(path)") {
            try SecretFile.create(path: path, contents: Array(key.pkcs8PEM().utf8))
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    struct InitCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-ca",
            abstract: "Make a self-signed ECDSA P-256 root CA (federation: nodes; local: the municipality's people)."
        )

        @Option(name: .long, help: "federation or local.") var kind: String
        @Option(name: .long, help: "The CA's common name.") var name: String
        @Option(name: .long, help: "The organisation (default: the name).") var org: String?
        @Option(name: .long, help: "The folder to create.") var out: String
        @Option(name: .long, help: "Validity in days.") var days: Int = 3650

        func run() throws {
            guard ["federation", "local"].contains(kind) else { throw CommandError("--kind: federation or local") }
            guard (1...7300).contains(days) else { throw CommandError("--days: 1 to 7300") }
            guard !name.isEmpty else { throw CommandError("--name: must not be empty") }
            let folder = CAFolder(path: out)
            if FileManager.default.fileExists(atPath: folder.keyPath) {
                throw CommandError("--out: \(out) already holds a CA")
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: out,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw CommandError("--out: cannot create \(out): \(error.localizedDescription)")
            }
            let key = try P256PrivateKey()
            let ca = try SignerOptions.loading("init-ca") {
                try CertificateAuthority.selfSignedRoot(
                    subject: CertificateSubject(
                        commonName: name,
                        organization: org ?? name,
                        organizationalUnit: kind == "federation" ? "Hub federation CA" : "Hub local CA"
                    ),
                    key: key,
                    notBefore: PKICommand.now() - 3600,
                    notAfter: PKICommand.now() + Int64(days) * 86_400
                )
            }
            try PKICommand.writeKey(folder.keyPath, key)
            try PKICommand.writePublic(folder.certificatePath, ca.certificate.pem)
            print("\(kind) CA \"\(name)\" in \(out) (ca.pem; key ca.key, mode 0600)")
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract:
                "Issue a node certificate (federation CA) or a person's certificate (local CA), notBefore an hour back."
        )

        @Option(name: .long, help: "The issuing CA folder.") var ca: String
        @Flag(name: .long, help: "A node certificate: --oin, --name, --dns/--ip.") var node = false
        @Option(name: .long, help: "A person's role: caseworker, researcher or operator (with --cn and --oin).")
        var role: String?
        @Option(name: .long, help: "The OIN: the node's own (for nodes and for people).") var oin: String
        @Option(name: .long, help: "A node's display name, e.g. \"Gemeente Arnhem\".") var name: String?
        @Option(name: .long, help: "A person's common name (the name audit entries use).") var cn: String?
        @Option(name: .long, help: "A SAN DNS name (repeatable).") var dns: [String] = []
        @Option(name: .long, help: "A SAN IP address (repeatable).") var ip: [String] = []
        @Option(name: .long, help: "Output prefix: writes PREFIX.pem and PREFIX.key.") var out: String
        @Option(name: .long, help: "Validity in days.") var days: Int = 397

        func run() throws {
            guard OIN.isValid(oin) else { throw CommandError("--oin: not an OIN (20 digits)") }
            guard (1...3650).contains(days) else { throw CommandError("--days: 1 to 3650") }
            let authority = try CAFolder(path: ca).load()
            let key = try P256PrivateKey()
            let notAfter = PKICommand.now() + Int64(days) * 86_400
            let profile: CertificateProfile
            if node {
                guard role == nil else { throw CommandError("--node and --role exclude each other") }
                guard let name, !name.isEmpty else { throw CommandError("--name: a node needs a display name") }
                guard !dns.isEmpty || !ip.isEmpty else {
                    throw CommandError("--dns or --ip: a node needs the host name it serves on")
                }
                profile = .node(
                    oin: oin,
                    displayName: name,
                    dnsNames: dns,
                    ipAddresses: ip,
                    notBefore: PKICommand.now() - 3600,
                    notAfter: notAfter
                )
            } else {
                guard let role, let parsed = Role(rawValue: role), parsed != .node else {
                    throw CommandError("--role: caseworker, researcher or operator (or --node for a node)")
                }
                guard let cn, !cn.isEmpty else {
                    throw CommandError("--cn: a person's certificate needs a common name")
                }
                profile = .person(
                    commonName: cn,
                    nodeOIN: oin,
                    role: parsed,
                    notBefore: PKICommand.now() - 3600,
                    notAfter: notAfter
                )
            }
            let certificate = try SignerOptions.loading("issue") {
                try authority.issue(profile, publicKey: key.publicKey)
            }
            try PKICommand.writeKey(out + ".key", key)
            try PKICommand.writePublic(out + ".pem", certificate.pem)
            print(
                "issued \(out).pem (serial \(certificate.serialNumberHex), valid until \(Time.iso(certificate.notAfter))); key \(out).key (mode 0600)"
            )
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Record a certificate as revoked; publish with `pki crl`."
        )

        @Option(name: .long, help: "The issuing CA folder.") var ca: String
        @Option(name: .long, help: "The certificate to revoke (PEM).") var cert: String

        func run() throws {
            let folder = CAFolder(path: ca)
            let authority = try folder.load()
            let certificate = try SignerOptions.loading("--cert \(cert)") {
                try Certificate(pem: Input.pem(cert, what: "--cert"))
            }
            guard certificate.issuerDN == authority.certificate.subjectDN else {
                throw CommandError("--cert: not issued by this CA")
            }
            if try folder.revoked().contains(where: { $0.serialNumberHex == certificate.serialNumberHex }) {
                print("already revoked: serial \(certificate.serialNumberHex)")
                return
            }
            let line = "\(certificate.serialNumberHex) \(PKICommand.now())\n"
            guard
                let handle = FileHandle(forWritingAtPath: folder.revokedPath)
                    ?? {
                        FileManager.default.createFile(atPath: folder.revokedPath, contents: nil)
                            ? FileHandle(forWritingAtPath: folder.revokedPath) : nil
                    }()
            else { throw CommandError("cannot write \(folder.revokedPath)") }
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.synchronize()
            try? handle.close()
            print(
                "revoked serial \(certificate.serialNumberHex); run `hubctl pki crl --ca \(ca) --out …` and reload the nodes (SIGHUP)"
            )
        }
    }

    struct MakeCRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl",
            abstract: "Publish the CA's CRL (PEM) for the nodes to read."
        )

        @Option(name: .long, help: "The CA folder.") var ca: String
        @Option(name: .long, help: "Where to write the CRL.") var out: String
        @Option(name: .long, help: "Days until nextUpdate.") var days: Int = 7

        func run() throws {
            guard (1...365).contains(days) else { throw CommandError("--days: 1 to 365") }
            let folder = CAFolder(path: ca)
            let authority = try folder.load()
            let number =
                (UInt64(
                    (try? String(contentsOfFile: folder.crlNumberPath, encoding: .utf8))?.trimmingCharacters(
                        in: .whitespacesAndNewlines
                    ) ?? "0"
                ) ?? 0) + 1
            let now = PKICommand.now()
            let crl = try SignerOptions.loading("crl") {
                try authority.issueCRL(
                    revoked: folder.revoked(),
                    lastUpdate: now - 60,
                    nextUpdate: now + Int64(days) * 86_400,
                    crlNumber: number
                )
            }
            try PKICommand.writePublic(out, crl.pem, overwrite: true)
            try PKICommand.writePublic(folder.crlNumberPath, "\(number)\n", overwrite: true)
            print(
                "CRL \(number) with \(crl.revokedSerials.count) revoked certificate(s) written to \(out); next update \(Time.iso(now + Int64(days) * 86_400))"
            )
        }
    }

    struct ExportP12: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-p12",
            abstract:
                "Bundle a person's certificate and key as PKCS#12 for a browser or keychain; the password is read from standard input."
        )

        @Option(name: .long, help: "The certificate (PEM).") var cert: String
        @Option(name: .long, help: "The private key (PEM, mode 0600).") var key: String
        @Option(name: .long, help: "The issuing CA certificate to include (PEM).") var caCert: String?
        @Option(name: .long, help: "The .p12 file to write (mode 0600).") var out: String

        func run() throws {
            let certificate = try SignerOptions.loading("--cert \(cert)") {
                try Certificate(pem: Input.pem(cert, what: "--cert"))
            }
            let privateKey = try SignerOptions.loading("--key \(key)") { try SecretFile.loadPrivateKey(path: key) }
            let chain =
                try caCert.map { path in
                    try SignerOptions.loading("--ca-cert \(path)") {
                        try Certificate.loadPEMBundle(Input.pem(path, what: "--ca-cert"))
                    }
                } ?? []
            let password = try Input.lines(what: "the password").first ?? ""
            guard password.count >= 8 else {
                throw CommandError("the password (standard input) must have at least 8 characters")
            }
            let der = try SignerOptions.loading("export-p12") {
                try PKCS12Encoder.encode(
                    certificate: certificate,
                    key: privateKey,
                    chain: chain,
                    password: password,
                    friendlyName: certificate.subjectCommonName
                )
            }
            try SignerOptions.loading("--out \(out)") { try SecretFile.create(path: out, contents: der) }
            print("wrote \(out) (mode 0600)")
        }
    }
}
