internal import COpenSSL

extension HubProtocolError.Code {
    /// A request to issue a certificate or CRL is invalid (times, names, keys, a CA that cannot issue).
    public static let invalidIssuingRequest = Self("invalid_issuing_request")
}

/// A small ECDSA P-256 certificate authority: root and intermediate CAs, node and
/// person certificates, CRLs. Used by `hubctl pki` and by tests; everything is
/// built and signed by OpenSSL (ECDSA with SHA-256).
///
/// Times are Unix seconds and taken as given, so expired, not-yet-valid and
/// stale objects can be made on purpose.
public struct CertificateAuthority: Sendable {
    /// The CA's certificate.
    public let certificate: Certificate
    /// The CA's signing key.
    public let key: P256PrivateKey

    /// Pairs a CA certificate with its key; refuses a certificate that is not a
    /// CA (basicConstraints CA:TRUE) and a key that does not match it.
    public init(certificate: Certificate, key: P256PrivateKey) throws {
        guard certificate.isCA else {
            throw HubProtocolError(
                .invalidIssuingRequest,
                "the certificate is not a CA certificate (basicConstraints CA:TRUE)"
            )
        }
        ERR_clear_error()
        guard X509_check_private_key(certificate.x509, key.pkey) == 1 else {
            throw OpenSSL.error(.invalidIssuingRequest, "the private key does not match the CA certificate")
        }
        self.certificate = certificate
        self.key = key
    }

    /// A self-signed root CA: basicConstraints `CA:TRUE` (critical), keyUsage
    /// `keyCertSign, cRLSign` (critical), subjectKeyIdentifier.
    ///
    /// - Parameter notBefore: Unix seconds; the default (nil) is one hour ago.
    public static func selfSignedRoot(
        subject: CertificateSubject,
        key: P256PrivateKey,
        notBefore: Int64? = nil,
        notAfter: Int64
    ) throws -> CertificateAuthority {
        let builder = try CertificateBuilder()
        try builder.setRandomSerial()
        try builder.setSubject(subject)
        try builder.setIssuer(nil)
        try builder.setValidity(notBefore: notBefore, notAfter: notAfter)
        try builder.setPublicKey(key.pkey)
        try builder.addExtension(NID_basic_constraints, "critical,CA:TRUE", issuer: nil)
        try builder.addExtension(NID_key_usage, "critical,keyCertSign,cRLSign", issuer: nil)
        try builder.addExtension(NID_subject_key_identifier, "hash", issuer: nil)
        return try CertificateAuthority(certificate: builder.sign(with: key), key: key)
    }

    /// An intermediate CA certificate for `publicKey`, signed by this CA.
    ///
    /// - Parameter pathLength: the pathLenConstraint: 0 (the default) lets it
    ///   issue only end-entity certificates; nil sets no limit.
    public func issueIntermediate(
        subject: CertificateSubject,
        publicKey: P256PublicKey,
        pathLength: Int? = 0,
        notBefore: Int64? = nil,
        notAfter: Int64
    ) throws -> Certificate {
        let constraint: String
        switch pathLength {
        case nil: constraint = "critical,CA:TRUE"
        case let length? where length >= 0 && length <= 16: constraint = "critical,CA:TRUE,pathlen:\(length)"
        case let length?: throw HubProtocolError(.invalidIssuingRequest, "pathLength \(length) is outside 0...16")
        }
        let builder = try CertificateBuilder()
        try builder.setRandomSerial()
        try builder.setSubject(subject)
        try builder.setIssuer(certificate)
        try builder.setValidity(notBefore: notBefore, notAfter: notAfter)
        try builder.setPublicKey(publicKey.pkey)
        try builder.addExtension(NID_basic_constraints, constraint, issuer: certificate)
        try builder.addExtension(NID_key_usage, "critical,keyCertSign,cRLSign", issuer: certificate)
        try builder.addExtension(NID_subject_key_identifier, "hash", issuer: certificate)
        try builder.addExtension(NID_authority_key_identifier, "keyid:always", issuer: certificate)
        return try builder.sign(with: key)
    }

    /// An intermediate CA signed by this CA, together with its key.
    public func makeIntermediate(
        subject: CertificateSubject,
        key: P256PrivateKey,
        pathLength: Int? = 0,
        notBefore: Int64? = nil,
        notAfter: Int64
    ) throws -> CertificateAuthority {
        let issued = try issueIntermediate(
            subject: subject,
            publicKey: key.publicKey,
            pathLength: pathLength,
            notBefore: notBefore,
            notAfter: notAfter
        )
        return try CertificateAuthority(certificate: issued, key: key)
    }

    /// An end-entity certificate for a P-256 key (node, person or test profile).
    public func issue(_ profile: CertificateProfile, publicKey: P256PublicKey) throws -> Certificate {
        try issue(profile, pkey: publicKey.pkey)
    }

    /// An end-entity certificate for a public key of any type OpenSSL reads from
    /// PEM (`PUBLIC KEY`): RSA or P-384 certificates for tests and for a node's
    /// RSA TLS certificate (PROTOCOL §1).
    public func issue(_ profile: CertificateProfile, publicKeyPEM: String) throws -> Certificate {
        let pkey = try OpenSSL.withMemoryBIO(Array(publicKeyPEM.utf8)) { bio in
            ERR_clear_error()
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw OpenSSL.error(.invalidKey, "not a PEM public key")
            }
            return key
        }
        defer { EVP_PKEY_free(pkey) }
        return try issue(profile, pkey: pkey)
    }

    func issue(_ profile: CertificateProfile, pkey: OpaquePointer) throws -> Certificate {
        let builder = try CertificateBuilder()
        try builder.setRandomSerial()
        try builder.setSubject(profile.subject)
        try builder.setIssuer(certificate)
        try builder.setValidity(notBefore: profile.notBefore, notAfter: profile.notAfter)
        try builder.setPublicKey(pkey)
        try builder.addExtension(NID_basic_constraints, "critical,CA:FALSE", issuer: certificate)
        try builder.addExtension(NID_key_usage, "critical,digitalSignature", issuer: certificate)
        if !profile.extendedKeyUsage.isEmpty {
            let usages = profile.extendedKeyUsage.map(\.rawValue).joined(separator: ",")
            try builder.addExtension(NID_ext_key_usage, usages, issuer: certificate)
        }
        try builder.addExtension(NID_subject_key_identifier, "hash", issuer: certificate)
        try builder.addExtension(NID_authority_key_identifier, "keyid:always", issuer: certificate)
        try builder.addSubjectAltNames(dns: profile.dnsNames, ip: profile.ipAddresses, uri: profile.uris)
        return try builder.sign(with: key)
    }
}
