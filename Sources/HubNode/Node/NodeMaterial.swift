import Foundation
import HubProtocol

/// Everything the node loads from files: identity, keys, trust bundles, TLS
/// contexts, peers. Built at start and again on every reload (SIGHUP).
public struct NodeMaterial: Sendable {
    /// The state snapshot (identity, peers, bundles).
    public var snapshot: NodeState.Snapshot
    /// The server TLS context (federation and local roots).
    public var serverTLS: TLSContext
    /// The client TLS context (federation roots only).
    public var clientTLS: TLSContext
    /// The TLS/signing certificate's `notAfter`.
    public var certificateNotAfter: Int64
    /// Each CRL's `nextUpdate`, by issuer.
    public var crlNextUpdates: [String: Int64]

    /// Loads everything `configuration` names; errors name the file and the problem.
    public static func load(_ configuration: NodeConfiguration) throws -> NodeMaterial {
        let tls = configuration.tls
        func read(_ path: String, _ key: String) throws -> String {
            do {
                return String(decoding: try SecretFile.read(path: path), as: UTF8.self)
            } catch {
                throw HubProtocolError(.file, "\(key): \(error)")
            }
        }
        func loading<T>(_ key: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HubProtocolError {
                throw HubProtocolError(error.code, "\(key): \(error.message)")
            }
        }
        let chain = try loading("tls.certificate") {
            try Certificate.loadPEMBundle(read(tls.certificate, "tls.certificate"))
        }
        let signingChain =
            try tls.signingCertificate.map { path in
                try loading("tls.signing_certificate") {
                    try Certificate.loadPEMBundle(read(path, "tls.signing_certificate"))
                }
            } ?? chain
        let signingKey = try loading(tls.signingKey == nil ? "tls.key" : "tls.signing_key") {
            try SecretFile.loadPrivateKey(path: tls.signingKey ?? tls.key)
        }
        let withoutRoot =
            signingChain.count > 1 && signingChain.last?.isSelfSigned == true
            ? Array(signingChain.dropLast()) : signingChain
        let signer = try loading("tls.signing_certificate") { try JWSSigner(key: signingKey, chain: withoutRoot) }
        let identity = try loading("identity.oin") {
            try NodeIdentity(
                oin: configuration.identity.oin,
                name: configuration.identity.name,
                municipalityCode: configuration.identity.municipalityCode,
                signer: signer
            )
        }
        let federationRoots = try loading("tls.federation_ca") {
            try Certificate.loadPEMBundle(read(tls.federationCA, "tls.federation_ca"))
        }
        let localRoots = try loading("tls.local_ca") {
            try Certificate.loadPEMBundle(read(tls.localCA, "tls.local_ca"))
        }
        let crls = try tls.crls.map { path in try loading("tls.crls") { try CRL(pem: read(path, "tls.crls")) } }
        let federationDNs = Set(federationRoots.map(\.subjectDN))
        let federation = try loading("tls.federation_ca") {
            try TrustBundle(roots: federationRoots, crls: crls.filter { federationDNs.contains($0.issuerDN) })
        }
        let local = try loading("tls.local_ca") {
            try TrustBundle(roots: localRoots, crls: crls.filter { !federationDNs.contains($0.issuerDN) })
        }
        let tlsConfiguration = TLSConfiguration(
            certificateChain: .file(tls.certificate),
            privateKey: .file(tls.key),
            federationRoots: .file(tls.federationCA),
            localRoots: .file(tls.localCA),
            crls: tls.crls.map { .file($0) },
            handshakeTimeout: .seconds(configuration.limits.handshakeTimeoutSeconds)
        )
        let clientConfiguration = TLSConfiguration(
            certificateChain: .file(tls.certificate),
            privateKey: .file(tls.key),
            federationRoots: .file(tls.federationCA),
            localRoots: nil,
            crls: crls.filter { federationDNs.contains($0.issuerDN) }.map { .pem($0.pem) },
            handshakeTimeout: .seconds(configuration.limits.handshakeTimeoutSeconds)
        )
        let serverTLS: TLSContext
        let clientTLS: TLSContext
        do {
            serverTLS = try TLSContext(role: .server, configuration: tlsConfiguration)
            clientTLS = try TLSContext(role: .client, configuration: clientConfiguration)
        } catch {
            throw HubProtocolError(.file, "tls: \(error)")
        }
        var peers: [PeerEndpoint] = []
        for peer in configuration.peers {
            peers.append(
                PeerEndpoint(name: peer.name, oin: peer.oin, host: peer.endpoint.host, port: peer.endpoint.port)
            )
        }
        let snapshot = NodeState.Snapshot(
            identity: identity,
            peers: peers,
            federation: federation,
            local: local,
            skew: Int64(configuration.clockSkewSeconds)
        )
        return NodeMaterial(
            snapshot: snapshot,
            serverTLS: serverTLS,
            clientTLS: clientTLS,
            certificateNotAfter: chain[0].notAfter,
            crlNextUpdates: Dictionary(
                crls.compactMap { c in c.nextUpdate.map { (c.issuerDN, $0) } },
                uniquingKeysWith: { a, _ in a }
            )
        )
    }

    /// Decides who a verified TLS client is (PROTOCOL §1).
    public static func classify(_ peer: TLSPeer, snapshot: NodeState.Snapshot) -> Caller {
        guard let der = peer.chain.first, let leaf = try? Certificate(der: der) else {
            return .notAllowed(reason: "the client certificate cannot be read")
        }
        do {
            switch peer.trustBundle {
            case .federation:
                let identity = try TrustRules.federationPeer(leaf)
                return snapshot.peers[identity.oin] != nil ? .peer(oin: identity.oin) : .unknownPeer(oin: identity.oin)
            case .local:
                let identity = try TrustRules.localPeer(leaf, nodeOIN: snapshot.identity.oin)
                return .person(role: identity.role, commonName: identity.commonName ?? "")
            }
        } catch let error as HubProtocolError {
            return .notAllowed(reason: error.message)
        } catch {
            return .notAllowed(reason: "the client certificate breaks the rules of its bundle")
        }
    }
}
