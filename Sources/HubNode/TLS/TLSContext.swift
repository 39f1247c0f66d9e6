internal import COpenSSL
import HubProtocol

/// An OpenSSL `SSL_CTX` set up with the hub's TLS policy (PROTOCOL.md §2) for
/// one role, built from a `TLSConfiguration`.
///
/// Policy: TLS 1.3 only; no compression, renegotiation, session tickets,
/// session cache or 0-RTT; ALPN `http/1.1`; strict X.509 verification to a
/// self-signed root without partial chains, with CRLs when configured. A
/// server requires a client certificate chaining to the federation or the
/// local bundle; a client trusts only the federation bundle.
///
/// A context is immutable and shared by every connection of its role. To
/// reload certificates, keys or CRLs, build a new context from the new
/// configuration and hand it to new connections; existing connections keep
/// theirs, and the node re-checks each one's `TLSPeer.chain` with the new
/// context's `verify(peerChain:)` to decide which to close.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is never changed after init; OpenSSL allows
    // SSL_new and X509_STORE lookups on a shared, fully built SSL_CTX.

    /// Which end of a connection a context serves.
    public enum Role: Sendable, Hashable {
        /// Accepts connections and requires client certificates.
        case server
        /// Dials nodes and verifies their certificates against the federation bundle.
        case client
    }

    /// The role this context was built for.
    public let role: Role
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration
    /// SHA-256 fingerprints of the federation roots in the trust store.
    public let federationRootFingerprints: Set<[UInt8]>
    /// SHA-256 fingerprints of the local roots in the trust store (empty for clients).
    public let localRootFingerprints: Set<[UInt8]>
    /// Whether certificates are checked against CRLs.
    public let checksRevocation: Bool

    /// The owned `SSL_CTX`.
    let pointer: OpaquePointer

    /// Builds a context for `role`; throws a ``HubNodeError`` with code
    /// ``HubNodeError/Code/tlsConfiguration`` naming the configuration key at
    /// fault.
    public init(role: Role, configuration: TLSConfiguration) throws(HubNodeError) {
        let ctx = try TLSOpenSSL.make("SSL_CTX_new") { SSL_CTX_new(TLS_method()) }
        var built = false
        defer { if !built { SSL_CTX_free(ctx) } }

        try Self.applyPolicy(ctx, role: role)
        try Self.useOwnCertificate(ctx, configuration)

        let federation = try Self.loadRoots(configuration.federationRoots, key: "federation_roots")
        var local: [OpaquePointer] = []
        defer { for item in federation + local { X509_free(item) } }
        if role == .server, let localRoots = configuration.localRoots {
            local = try Self.loadRoots(localRoots, key: "local_roots")
        }
        let federationPrints = Set(federation.map { SHA256.hash(TLSOpenSSL.der(of: $0)) })
        let localPrints = Set(local.map { SHA256.hash(TLSOpenSSL.der(of: $0)) })
        guard federationPrints.isDisjoint(with: localPrints) else {
            throw HubNodeError(
                .tlsConfiguration,
                "local_roots: a root is also in federation_roots; a bundle must say who a peer is",
                detail: .tls()
            )
        }

        guard let store = SSL_CTX_get_cert_store(ctx) else {
            throw TLSOpenSSL.error(.tlsConfiguration, "SSL_CTX_get_cert_store failed")
        }
        for root in federation + local {
            try TLSOpenSSL.check("X509_STORE_add_cert") { X509_STORE_add_cert(store, root) }
        }
        let checksRevocation = !configuration.crls.isEmpty
        if checksRevocation {
            try Self.addCRLs(configuration.crls, to: store, roots: federation + local)
        }
        var flags = hub_X509_V_FLAG_X509_STRICT()
        if checksRevocation { flags |= hub_X509_V_FLAG_crl_all() }
        try TLSOpenSSL.check("X509_STORE_set_flags") { X509_STORE_set_flags(store, flags) }

        self.role = role
        self.configuration = configuration
        self.federationRootFingerprints = federationPrints
        self.localRootFingerprints = localPrints
        self.checksRevocation = checksRevocation
        self.pointer = ctx
        built = true
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// The bundle a root with this SHA-256 fingerprint belongs to, if any.
    public func trustBundle(forRootSHA256 fingerprint: [UInt8]) -> TLSTrustBundle? {
        if federationRootFingerprints.contains(fingerprint) { return .federation }
        if localRootFingerprints.contains(fingerprint) { return .local }
        return nil
    }

    /// Verifies a peer chain (DER, leaf first, as in `TLSPeer.chain`) against
    /// this context's trust store and CRLs, as a handshake of this role would;
    /// returns the bundle it chains to or throws `.peerCertificateRejected`.
    ///
    /// Used after a reload to decide which open connections to close. Host
    /// names and OINs are not re-checked: they do not change with a reload.
    public func verify(peerChain: [[UInt8]]) throws(HubNodeError) -> TLSTrustBundle {
        guard !peerChain.isEmpty else {
            throw HubNodeError(.peerCertificateRejected, "empty peer chain", detail: .tls())
        }
        var certificates: [OpaquePointer] = []
        defer { for item in certificates { X509_free(item) } }
        for der in peerChain {
            ERR_clear_error()
            let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
                var cursor = buffer.baseAddress
                return d2i_X509(nil, &cursor, buffer.count)
            }
            guard let parsed else { throw TLSOpenSSL.error(.peerCertificateRejected, "a peer certificate is not DER") }
            certificates.append(parsed)
        }
        let untrusted = try TLSOpenSSL.make("sk_X509_new_null") { hub_sk_X509_new_null() }
        defer { hub_sk_X509_free(untrusted) }
        for certificate in certificates.dropFirst() {
            guard hub_sk_X509_push(untrusted, certificate) > 0 else {
                throw TLSOpenSSL.error(.peerCertificateRejected, "sk_X509_push failed")
            }
        }
        let storeContext = try TLSOpenSSL.make("X509_STORE_CTX_new") { X509_STORE_CTX_new() }
        defer { X509_STORE_CTX_free(storeContext) }
        try TLSOpenSSL.check("X509_STORE_CTX_init") {
            X509_STORE_CTX_init(storeContext, SSL_CTX_get_cert_store(pointer), certificates[0], untrusted)
        }
        X509_STORE_CTX_set_verify_cb(storeContext, Self.crlGraceCallback)
        // The purpose OpenSSL's TLS code sets: a server checks client certificates and vice versa.
        try TLSOpenSSL.check("X509_STORE_CTX_set_default") {
            X509_STORE_CTX_set_default(storeContext, role == .server ? "ssl_client" : "ssl_server")
        }
        ERR_clear_error()
        guard X509_verify_cert(storeContext) == 1 else {
            let reason = String(cString: X509_verify_cert_error_string(Int(X509_STORE_CTX_get_error(storeContext))))
            throw TLSOpenSSL.error(.peerCertificateRejected, "peer chain does not verify: \(reason)")
        }
        guard let chain = X509_STORE_CTX_get0_chain(storeContext) else {
            throw TLSOpenSSL.error(.peerCertificateRejected, "no verified chain")
        }
        return try TLSPeer.read(verifiedChain: chain, bundle: trustBundle(forRootSHA256:)).trustBundle
    }
}

extension TLSContext {
    /// How long a CRL past its `nextUpdate` is still used (PROTOCOL.md §1: 24 hours).
    public static let crlGracePeriodSeconds = 24 * 60 * 60

    /// The verify callback of every context: it accepts a CRL past its
    /// `nextUpdate` for `crlGracePeriodSeconds` and refuses every other error.
    /// The stale CRL is still used, so revoked certificates stay refused;
    /// alerting the operator about the stale CRL is the node's job.
    static let crlGraceCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverified, storeContext in
        if preverified == 1 { return 1 }
        guard let storeContext, X509_STORE_CTX_get_error(storeContext) == X509_V_ERR_CRL_HAS_EXPIRED,
            let crl = X509_STORE_CTX_get0_current_crl(storeContext),
            let nextUpdate = X509_CRL_get0_nextUpdate(crl)
        else { return 0 }
        var days: Int32 = 0
        var seconds: Int32 = 0
        // From nextUpdate to now (nil means the current time).
        guard ASN1_TIME_diff(&days, &seconds, nextUpdate, nil) == 1 else { return 0 }
        guard Int(days) * 86_400 + Int(seconds) < crlGracePeriodSeconds else { return 0 }
        // Without this the overruled error would stay the connection's verify result.
        X509_STORE_CTX_set_error(storeContext, X509_V_OK)
        return 1
    }

    /// TLS 1.3 only, no compression, renegotiation, tickets, session cache or
    /// early data; ALPN http/1.1; the peer-verification mode of the role.
    private static func applyPolicy(_ ctx: OpaquePointer, role: Role) throws(HubNodeError) {
        let version = Int32(hub_TLS1_3_VERSION())
        try TLSOpenSSL.check("SSL_CTX_set_min_proto_version") { Int32(hub_SSL_CTX_set_min_proto_version(ctx, version)) }
        try TLSOpenSSL.check("SSL_CTX_set_max_proto_version") { Int32(hub_SSL_CTX_set_max_proto_version(ctx, version)) }
        ERR_clear_error()
        _ = SSL_CTX_set_options(ctx, hub_SSL_OP_policy())
        _ = hub_SSL_CTX_set_mode(ctx, hub_SSL_MODE_policy())
        _ = hub_SSL_CTX_set_session_cache_mode(ctx, hub_SSL_SESS_CACHE_OFF())
        try TLSOpenSSL.check("SSL_CTX_set_num_tickets") { SSL_CTX_set_num_tickets(ctx, 0) }
        try TLSOpenSSL.check("SSL_CTX_set_max_early_data") { SSL_CTX_set_max_early_data(ctx, 0) }
        let sessionContext: [UInt8] = Array("hub".utf8)
        try TLSOpenSSL.check("SSL_CTX_set_session_id_context") {
            SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
        }
        switch role {
        case .server:
            SSL_CTX_set_verify(ctx, hub_SSL_VERIFY_require_peer(), crlGraceCallback)
            hub_SSL_CTX_select_alpn_http11(ctx)
        case .client:
            SSL_CTX_set_verify(ctx, hub_SSL_VERIFY_PEER(), crlGraceCallback)
            let protocols: [UInt8] = [8] + Array("http/1.1".utf8)
            // SSL_CTX_set_alpn_protos returns 0 on success, unlike most of OpenSSL.
            try TLSOpenSSL.check("SSL_CTX_set_alpn_protos") {
                SSL_CTX_set_alpn_protos(ctx, protocols, UInt32(protocols.count)) == 0 ? 1 : 0
            }
        }
    }

    /// Loads the node's certificate chain and private key and checks they match.
    private static func useOwnCertificate(_ ctx: OpaquePointer, _ configuration: TLSConfiguration) throws(HubNodeError)
    {
        let chain = try TLSOpenSSL.readCertificates(configuration.certificateChain, key: "certificate_chain")
        defer { for item in chain { X509_free(item) } }
        try TLSOpenSSL.check("certificate_chain: SSL_CTX_use_certificate") { SSL_CTX_use_certificate(ctx, chain[0]) }
        for intermediate in chain.dropFirst() {
            // add1 takes its own reference, so the defer above still frees ours.
            try TLSOpenSSL.check("certificate_chain: SSL_CTX_add1_chain_cert") {
                Int32(hub_SSL_CTX_add1_chain_cert(ctx, intermediate))
            }
        }
        let key = try TLSOpenSSL.withBIO(configuration.privateKey, key: "private_key") { bio throws(HubNodeError) in
            try TLSOpenSSL.make("private_key: PEM_read_bio_PrivateKey") { PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        }
        defer { EVP_PKEY_free(key) }
        try TLSOpenSSL.check("private_key: SSL_CTX_use_PrivateKey") { SSL_CTX_use_PrivateKey(ctx, key) }
        try TLSOpenSSL.check("private_key: the key does not match certificate_chain's leaf") {
            SSL_CTX_check_private_key(ctx)
        }
    }

    /// Loads a bundle of roots, each of which must be self-signed (no partial chains).
    private static func loadRoots(
        _ source: TLSConfiguration.PEMSource,
        key: String
    ) throws(HubNodeError) -> [OpaquePointer] {
        let roots = try TLSOpenSSL.readCertificates(source, key: key)
        for root in roots {
            ERR_clear_error()
            guard X509_self_signed(root, 1) == 1 else {
                for item in roots { X509_free(item) }
                let name = TLSPeer.subjectAttributes(root, nid: NID_commonName).first ?? "?"
                throw TLSOpenSSL.error(.tlsConfiguration, "\(key): '\(name)' is not a self-signed root")
            }
        }
        return roots
    }

    /// Adds every CRL to the store after checking each root has one signed by it.
    private static func addCRLs(
        _ sources: [TLSConfiguration.PEMSource],
        to store: OpaquePointer,
        roots: [OpaquePointer]
    ) throws(HubNodeError) {
        var crls: [OpaquePointer] = []
        defer { for item in crls { X509_CRL_free(item) } }
        for (index, source) in sources.enumerated() {
            crls += try TLSOpenSSL.readCRLs(source, key: "crls[\(index)]")
        }
        for root in roots {
            let covered = crls.contains { crl in
                ERR_clear_error()
                return X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(root)) == 0
                    && X509_CRL_verify(crl, X509_get0_pubkey(root)) == 1
            }
            ERR_clear_error()
            guard covered else {
                let name = TLSPeer.subjectAttributes(root, nid: NID_commonName).first ?? "?"
                throw HubNodeError(
                    .tlsConfiguration,
                    "crls: no CRL signed by root '\(name)'; when CRLs are configured every root needs one",
                    detail: .tls()
                )
            }
        }
        for crl in crls {
            try TLSOpenSSL.check("crls: X509_STORE_add_crl") { X509_STORE_add_crl(store, crl) }
        }
    }
}
