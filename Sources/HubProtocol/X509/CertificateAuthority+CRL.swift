internal import COpenSSL

/// One entry of a CRL to issue.
public struct RevokedCertificate: Sendable, Hashable {
    /// The revoked certificate's serial number, hex (either case), as in ``Certificate/serialNumberHex``.
    public var serialNumberHex: String
    /// When it was revoked, Unix seconds.
    public var revocationTime: Int64

    /// An entry for a serial number.
    public init(serialNumberHex: String, revocationTime: Int64) {
        self.serialNumberHex = serialNumberHex
        self.revocationTime = revocationTime
    }

    /// An entry for a certificate.
    public init(_ certificate: Certificate, revocationTime: Int64) {
        self.init(serialNumberHex: certificate.serialNumberHex, revocationTime: revocationTime)
    }
}

extension CertificateAuthority {
    /// A v2 CRL signed by this CA (ECDSA-SHA256): issuer = this CA's subject,
    /// the entries sorted by serial, cRLNumber and authorityKeyIdentifier extensions.
    ///
    /// - Parameters:
    ///   - lastUpdate: `thisUpdate`, Unix seconds.
    ///   - nextUpdate: when the next CRL is due; past it the CRL is stale (PROTOCOL §1).
    ///   - crlNumber: a number the CA increases with every CRL it issues.
    public func issueCRL(
        revoked: [RevokedCertificate],
        lastUpdate: Int64,
        nextUpdate: Int64,
        crlNumber: UInt64
    ) throws -> CRL {
        guard nextUpdate > lastUpdate else {
            throw HubProtocolError(.invalidIssuingRequest, "a CRL's nextUpdate must be later than its lastUpdate")
        }
        let crl = try OpenSSL.make("X509_CRL_new") { X509_CRL_new() }
        defer { X509_CRL_free(crl) }
        // Version value 1 is v2, needed for extensions.
        try OpenSSL.check("X509_CRL_set_version") { X509_CRL_set_version(crl, 1) }
        try OpenSSL.check("X509_CRL_set_issuer_name") {
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(certificate.x509))
        }
        let this = try ASN1Time.make(lastUpdate)
        defer { ASN1_TIME_free(this) }
        let next = try ASN1Time.make(nextUpdate)
        defer { ASN1_TIME_free(next) }
        try OpenSSL.check("X509_CRL_set1_lastUpdate") { X509_CRL_set1_lastUpdate(crl, this) }
        try OpenSSL.check("X509_CRL_set1_nextUpdate") { X509_CRL_set1_nextUpdate(crl, next) }

        for entry in revoked {
            try Self.addRevoked(entry, to: crl)
        }
        try OpenSSL.check("X509_CRL_sort") { X509_CRL_sort(crl) }

        let number = try OpenSSL.make("ASN1_INTEGER_new") { ASN1_INTEGER_new() }
        defer { ASN1_INTEGER_free(number) }
        try OpenSSL.check("ASN1_INTEGER_set_uint64") { ASN1_INTEGER_set_uint64(number, crlNumber) }
        try OpenSSL.check("adding the cRLNumber extension") {
            X509_CRL_add1_ext_i2d(crl, NID_crl_number, UnsafeMutableRawPointer(number), 0, 0)
        }

        var ctx = X509V3_CTX()
        X509V3_set_ctx(&ctx, certificate.x509, nil, nil, crl, 0)
        let akid = try OpenSSL.make("building the authorityKeyIdentifier extension") {
            X509V3_EXT_conf_nid(nil, &ctx, NID_authority_key_identifier, "keyid:always")
        }
        defer { X509_EXTENSION_free(akid) }
        try OpenSSL.check("X509_CRL_add_ext") { X509_CRL_add_ext(crl, akid, -1) }

        ERR_clear_error()
        guard X509_CRL_sign(crl, key.pkey, EVP_sha256()) > 0 else {
            throw OpenSSL.error(.crypto, "X509_CRL_sign failed")
        }
        return try CRL(der: CRL.encode(crl))
    }

    static func addRevoked(_ entry: RevokedCertificate, to crl: OpaquePointer) throws {
        var hex = entry.serialNumberHex
        if hex.utf8.count % 2 == 1 { hex = "0" + hex }
        guard let bytes = Hex.decode(hex), !bytes.isEmpty, bytes.count <= 20 else {
            throw HubProtocolError(.invalidIssuingRequest, "a revoked serial number must be 1 to 20 bytes of hex")
        }
        let serial = try CertificateBuilder.integer(bytes)
        defer { ASN1_INTEGER_free(serial) }
        let date = try ASN1Time.make(entry.revocationTime)
        defer { ASN1_TIME_free(date) }
        let revoked = try OpenSSL.make("X509_REVOKED_new") { X509_REVOKED_new() }
        do {
            // Both setters copy their argument.
            try OpenSSL.check("X509_REVOKED_set_serialNumber") { X509_REVOKED_set_serialNumber(revoked, serial) }
            try OpenSSL.check("X509_REVOKED_set_revocationDate") { X509_REVOKED_set_revocationDate(revoked, date) }
            // On success the CRL owns the entry.
            try OpenSSL.check("X509_CRL_add0_revoked") { X509_CRL_add0_revoked(crl, revoked) }
        } catch {
            X509_REVOKED_free(revoked)
            throw error
        }
    }
}
