import Foundation
import HubNode
import HubProtocol

/// Certificates for the HTTP client tests, made in-process with HubProtocol's
/// `CertificateAuthority`: one federation root, a server node (Zwolle) for
/// `localhost` and 127.0.0.1, a server node naming only `other.example`, and
/// two client certificates of Arnhem's node.
final class ClientTestPKI: Sendable {
    /// A certificate and its key as PEM text.
    struct Identity: Sendable {
        var certificatePEM: String
        var keyPEM: String
    }

    /// Arnhem's OIN: the client.
    static let arnhemOIN = "99990000000000000202"
    /// Zwolle's OIN: the server.
    static let zwolleOIN = "99990000000000000193"

    let rootPEM: String
    /// Zwolle's node: SAN DNS localhost, IP 127.0.0.1.
    let zwolle: Identity
    /// A certificate with Zwolle's OIN naming only `other.example`.
    let otherHost: Identity
    /// Arnhem's node (CN `Gemeente Arnhem A`).
    let arnhemA: Identity
    /// Arnhem's node after a certificate renewal (CN `Gemeente Arnhem B`).
    let arnhemB: Identity
    /// A node certificate with Arnhem's OIN from a root the server does not trust.
    let stranger: Identity

    /// The PKI all client tests share.
    static let shared: ClientTestPKI = {
        do {
            return try ClientTestPKI()
        } catch {
            fatalError("cannot make the client test PKI: \(error)")
        }
    }()

    private init() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let rootKey = try P256PrivateKey()
        let root = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Hub Client Test Federation Root"),
            key: rootKey,
            notAfter: now + 86_400
        )
        let strangerRoot = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Some Other Root"),
            key: try P256PrivateKey(),
            notAfter: now + 86_400
        )
        func node(
            _ oin: String,
            _ name: String,
            dns: [String],
            ips: [String],
            issuer: CertificateAuthority? = nil
        ) throws -> Identity {
            let key = try P256PrivateKey()
            let profile = CertificateProfile.node(
                oin: oin,
                displayName: name,
                dnsNames: dns,
                ipAddresses: ips,
                notAfter: now + 86_400
            )
            let certificate = try (issuer ?? root).issue(profile, publicKey: key.publicKey)
            return Identity(certificatePEM: certificate.pem, keyPEM: try key.pkcs8PEM())
        }
        rootPEM = root.certificate.pem
        zwolle = try node(Self.zwolleOIN, "Gemeente Zwolle", dns: ["localhost"], ips: ["127.0.0.1"])
        otherHost = try node(Self.zwolleOIN, "Gemeente Zwolle Elders", dns: ["other.example"], ips: [])
        arnhemA = try node(Self.arnhemOIN, "Gemeente Arnhem A", dns: ["localhost"], ips: ["127.0.0.1"])
        arnhemB = try node(Self.arnhemOIN, "Gemeente Arnhem B", dns: ["localhost"], ips: ["127.0.0.1"])
        stranger = try node(Self.arnhemOIN, "Stranger", dns: ["localhost"], ips: [], issuer: strangerRoot)
    }

    /// A TLS context for `identity` trusting the federation root.
    func context(_ role: TLSContext.Role, _ identity: Identity) throws -> TLSContext {
        let configuration = TLSConfiguration(
            certificateChain: .pem(identity.certificatePEM),
            privateKey: .pem(identity.keyPEM),
            federationRoots: .pem(rootPEM)
        )
        return try TLSContext(role: role, configuration: configuration)
    }
}
