internal import COpenSSL

/// An `X509` under construction: set the fields, add extensions, sign.
///
/// Owned by one issuing call; never shared.
final class CertificateBuilder {
    let x509: OpaquePointer

    init() throws {
        x509 = try OpenSSL.make("X509_new") { X509_new() }
        try OpenSSL.check("X509_set_version") { X509_set_version(x509, Int(X509_VERSION_3)) }
    }

    deinit { X509_free(x509) }

    /// A random positive 16-byte serial number (RFC 5280 §4.1.2.2: at most 20 bytes, positive).
    func setRandomSerial() throws {
        var bytes = SecureRandom.bytes(16)
        // Top bit clear keeps it positive; the next bit set keeps it exactly 16 bytes long.
        bytes[0] = (bytes[0] & 0x7f) | 0x40
        let serial = try Self.integer(bytes)
        defer { ASN1_INTEGER_free(serial) }
        try OpenSSL.check("X509_set_serialNumber") { X509_set_serialNumber(x509, serial) }
    }

    func setSubject(_ subject: CertificateSubject) throws {
        let name = try Self.name(subject)
        defer { X509_NAME_free(name) }
        try OpenSSL.check("X509_set_subject_name") { X509_set_subject_name(x509, name) }
    }

    /// The issuer name: `issuer`'s subject, or this certificate's own for a self-signed one.
    func setIssuer(_ issuer: Certificate?) throws {
        let name = issuer.map { X509_get_subject_name($0.x509) } ?? X509_get_subject_name(x509)
        try OpenSSL.check("X509_set_issuer_name") { X509_set_issuer_name(x509, name) }
    }

    func setValidity(notBefore: Int64?, notAfter: Int64) throws {
        let start = try notBefore ?? (ASN1Time.now() - 3600)
        guard notAfter > start else {
            throw HubProtocolError(
                .invalidIssuingRequest,
                "notAfter (\(notAfter)) must be later than notBefore (\(start))"
            )
        }
        let from = try ASN1Time.make(start)
        defer { ASN1_TIME_free(from) }
        let to = try ASN1Time.make(notAfter)
        defer { ASN1_TIME_free(to) }
        try OpenSSL.check("X509_set1_notBefore") { X509_set1_notBefore(x509, from) }
        try OpenSSL.check("X509_set1_notAfter") { X509_set1_notAfter(x509, to) }
    }

    func setPublicKey(_ pkey: OpaquePointer) throws {
        try OpenSSL.check("X509_set_pubkey") { X509_set_pubkey(x509, pkey) }
    }

    /// Adds an extension from OpenSSL's configuration syntax (`critical,CA:TRUE`,
    /// `keyid:always`…). `issuer` is the issuing CA's certificate (nil: self-signed).
    func addExtension(_ nid: Int32, _ value: String, issuer: Certificate?) throws {
        var ctx = X509V3_CTX()
        X509V3_set_ctx(&ctx, issuer?.x509 ?? x509, x509, nil, nil, 0)
        let ext = try OpenSSL.make("building the \(String(cString: OBJ_nid2sn(nid))) extension") {
            X509V3_EXT_conf_nid(nil, &ctx, nid, value)
        }
        defer { X509_EXTENSION_free(ext) }
        try OpenSSL.check("X509_add_ext") { X509_add_ext(x509, ext, -1) }
    }

    /// Adds a subjectAltName built name by name (no string parsing, so a comma in
    /// a URI stays a comma); critical when the subject is empty (RFC 5280 §4.2.1.6).
    func addSubjectAltNames(dns: [String], ip: [String], uri: [String]) throws {
        guard !(dns.isEmpty && ip.isEmpty && uri.isEmpty) else { return }
        let names = try OpenSSL.make("sk_GENERAL_NAME_new_null") { hub_sk_GENERAL_NAME_new_null() }
        defer { hub_GENERAL_NAMES_free_all(names) }
        for name in dns { try Self.push(names, type: hub_GEN_DNS(), value: Self.ia5(name, what: "DNS name")) }
        for name in uri { try Self.push(names, type: hub_GEN_URI(), value: Self.ia5(name, what: "URI")) }
        for address in ip {
            ERR_clear_error()
            guard let octets = a2i_IPADDRESS(address) else {
                throw OpenSSL.error(.invalidIssuingRequest, "\"\(address)\" is not an IPv4 or IPv6 address")
            }
            try Self.push(names, type: hub_GEN_IPADD(), value: octets)
        }
        let emptySubject = X509_NAME_entry_count(X509_get_subject_name(x509)) == 0
        try OpenSSL.check("adding the subjectAltName extension") {
            X509_add1_ext_i2d(
                x509,
                hub_NID_subject_alt_name(),
                UnsafeMutableRawPointer(names),
                emptySubject ? 1 : 0,
                UInt(X509V3_ADD_DEFAULT)
            )
        }
    }

    /// Signs with ECDSA-SHA256 and returns the certificate as parsed from its DER.
    func sign(with key: P256PrivateKey) throws -> Certificate {
        ERR_clear_error()
        guard X509_sign(x509, key.pkey, EVP_sha256()) > 0 else { throw OpenSSL.error(.crypto, "X509_sign failed") }
        return try Certificate(der: Certificate.encode(x509))
    }

    // MARK: - Pieces

    /// An ASN.1 INTEGER of the big-endian magnitude `bytes`. Freed by the caller.
    static func integer(_ bytes: [UInt8]) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        ERR_clear_error()
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw OpenSSL.error(.crypto, "BN_bin2bn failed")
        }
        defer { BN_free(bn) }
        return try OpenSSL.make("BN_to_ASN1_INTEGER") { BN_to_ASN1_INTEGER(bn, nil) }
    }

    /// An X509_NAME in the order C, O, OU, serialNumber, CN. Freed by the caller.
    static func name(_ subject: CertificateSubject) throws -> OpaquePointer {
        let name = try OpenSSL.make("X509_NAME_new") { X509_NAME_new() }
        let entries: [(Int32, String, String?)] = [
            (NID_countryName, "C", subject.country),
            (NID_organizationName, "O", subject.organization),
            (NID_organizationalUnitName, "OU", subject.organizationalUnit),
            (NID_serialNumber, "serialNumber", subject.serialNumber),
            (NID_commonName, "CN", subject.commonName),
        ]
        do {
            for (nid, label, value) in entries {
                guard let value else { continue }
                let bytes = Array(value.utf8)
                guard !bytes.isEmpty, !bytes.contains(0), bytes.count <= 1024 else {
                    throw HubProtocolError(
                        .invalidIssuingRequest,
                        "the subject \(label) must be 1 to 1024 bytes without NUL"
                    )
                }
                ERR_clear_error()
                guard X509_NAME_add_entry_by_NID(name, nid, hub_MBSTRING_UTF8(), bytes, Int32(bytes.count), -1, 0) == 1
                else {
                    throw OpenSSL.error(
                        .invalidIssuingRequest,
                        "the subject \(label) cannot be encoded (wrong length or characters)"
                    )
                }
            }
        } catch {
            X509_NAME_free(name)
            throw error
        }
        return name
    }

    /// An IA5String of printable ASCII (SAN DNS names and URIs). Freed by whoever takes it.
    static func ia5(_ text: String, what: String) throws -> UnsafeMutablePointer<ASN1_STRING> {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 2048, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            throw HubProtocolError(
                .invalidIssuingRequest,
                "a SAN \(what) must be 1 to 2048 printable ASCII characters without spaces"
            )
        }
        let string = try OpenSSL.make("ASN1_IA5STRING_new") { ASN1_IA5STRING_new() }
        guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1 else {
            ASN1_IA5STRING_free(string)
            throw OpenSSL.error(.crypto, "ASN1_STRING_set failed")
        }
        return string
    }

    /// Wraps `value` (taking it) in a GENERAL_NAME of `type` and pushes it onto `names`.
    static func push(_ names: OpaquePointer, type: Int32, value: UnsafeMutablePointer<ASN1_STRING>) throws {
        ERR_clear_error()
        guard let general = GENERAL_NAME_new() else {
            ASN1_STRING_free(value)
            throw OpenSSL.error(.crypto, "GENERAL_NAME_new failed")
        }
        GENERAL_NAME_set0_value(general, type, UnsafeMutableRawPointer(value))
        guard hub_sk_GENERAL_NAME_push(names, general) > 0 else {
            GENERAL_NAME_free(general)
            throw OpenSSL.error(.crypto, "sk_GENERAL_NAME_push failed")
        }
    }
}
