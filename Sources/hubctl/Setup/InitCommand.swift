import ArgumentParser
import Foundation
import HubNode
import HubProtocol

/// `hubctl init`: a new node directory, ready for `hub-node --config`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Create a node directory: commented node.yaml, signing key, encryption key and pseudonym key (mode 0600), and certificates.",
        discussion: """
            With --federation-ca (a `hubctl pki init-ca --kind federation` folder) the node certificate is issued at once;
            without it, node.csr.json describes the certificate to ask the federation CA for, and node.key waits for node.pem.
            With --local-ca the municipality's local CA certificate is copied in as local-ca.pem.
            Back up pseudonym.key: losing it orphans every case (PROTOCOL §8).
            """
    )

    @Option(name: .long, help: "The folder to create.") var dir: String
    @Option(name: .long, help: "The municipality's OIN (20 digits).") var oin: String
    @Option(name: .long, help: "The display name, e.g. \"Gemeente Arnhem\".") var name: String
    @Option(name: .long, help: "The CBS municipality code, e.g. GM0202.") var code: String
    @Option(name: .long, help: "The public endpoint peers dial, https://host:port.") var endpoint: String
    @Option(name: .long, help: "The address to listen on.") var listen: String = "0.0.0.0"
    @Option(name: .long, help: "The port to listen on (0: the OS chooses).") var port: Int = 8443
    @Option(name: .customLong("federation-ca"), help: "A federation CA folder to issue the node certificate with.")
    var federationCA: String?
    @Option(name: .customLong("local-ca"), help: "The municipality's local CA folder (its ca.pem is copied).")
    var localCA: String?
    @Option(name: .long, help: "Extra SAN IP address for the node certificate (repeatable).") var ip: [String] = []

    func run() throws {
        guard OIN.isValid(oin) else { throw CommandError("--oin: not an OIN (20 digits)") }
        guard DescriptorPayload.isMunicipalityCode(code) else {
            throw CommandError("--code: a CBS code such as GM0202")
        }
        guard let url = PeerEndpoint(name: name, oin: oin, url: endpoint) else {
            throw CommandError("--endpoint: expected https://host:port")
        }
        guard (0...65_535).contains(port) else { throw CommandError("--port: 0 to 65535") }
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/node.yaml") {
            throw CommandError("--dir: \(dir) already holds a node (node.yaml)")
        }
        do {
            try fm.createDirectory(
                atPath: dir,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw CommandError("--dir: cannot create \(dir): \(error.localizedDescription)")
        }
        let key = try P256PrivateKey()
        try PKICommand.writeKey(dir + "/node.key", key)
        try SignerOptions.loading("--dir") { try PseudonymKey.generate().write(path: dir + "/pseudonym.key") }
        let keyring = try SignerOptions.loading("--dir") { try EncryptionKeyring(directory: dir + "/enc-keys") }
        var notes: [String] = []
        if let federationCA {
            let ca = try PKICommand.CAFolder(path: federationCA).load()
            let isIP = url.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
            let certificate = try SignerOptions.loading("--federation-ca") {
                try ca.issue(
                    .node(
                        oin: oin,
                        displayName: name,
                        dnsNames: isIP ? [] : [url.host],
                        ipAddresses: (isIP ? [url.host] : []) + ip,
                        notBefore: PKICommand.now() - 3600,
                        notAfter: PKICommand.now() + 397 * 86_400
                    ),
                    publicKey: key.publicKey
                )
            }
            try PKICommand.writePublic(dir + "/node.pem", certificate.pem)
            try PKICommand.writePublic(dir + "/federation-ca.pem", ca.certificate.pem)
            notes.append("node.pem issued by \(ca.certificate.subjectDN)")
        } else {
            let request: JSONValue = .object([
                "oin": .string(oin), "name": .string(name), "dns": .array([.string(url.host)]),
                "public_key": .string(try key.publicKey.pem()),
            ])
            try PKICommand.writePublic(dir + "/node.csr.json", JCS.string(request) + "\n")
            notes.append(
                "send node.csr.json to the federation CA; put the certificate in node.pem and its root in federation-ca.pem"
            )
        }
        if let localCA {
            let cert = try SignerOptions.loading("--local-ca") {
                try Certificate(pem: Input.pem(localCA + "/ca.pem", what: "--local-ca"))
            }
            try PKICommand.writePublic(dir + "/local-ca.pem", cert.pem)
        } else {
            notes.append("put the municipality's local CA certificate in local-ca.pem")
        }
        let yaml = NodeConfiguration.referenceYAML(filling: [
            "identity.oin": "\"\(oin)\"", "identity.name": name, "identity.municipality_code": code,
            "listen.address": listen, "listen.port": "\(port)", "listen.public_endpoint": url.url,
            "tls.certificate": "node.pem", "tls.key": "node.key", "tls.federation_ca": "federation-ca.pem",
            "tls.local_ca": "local-ca.pem",
            "storage.database": "hub.sqlite", "storage.pseudonym_key": "pseudonym.key",
            "storage.encryption_keys": "enc-keys",
            "storage.audit_checkpoints": "audit-checkpoints.jwsl",
        ])
        try PKICommand.writePublic(dir + "/node.yaml", yaml)
        print(
            "node directory \(dir): node.yaml, node.key, pseudonym.key (back it up), enc-keys/ (kid \(keyring.current.kid))"
        )
        for note in notes { print("  \(note)") }
        print("then: hub-node check-config --config \(dir)/node.yaml")
    }
}
