internal import COpenSSL

/// An X.509 certificate held by OpenSSL, with the fields the hub reads parsed once.
///
/// Every field is read when the certificate is loaded and never changes; the
/// underlying `X509` object is only used read-only afterwards (verification,
/// host matching), which OpenSSL allows from several threads at once.
///
/// Subject attributes are reported only when the subject holds them exactly
/// once: a subject with two `CN`s or two `serialNumber`s has neither, so no
/// rule can be satisfied by picking the convenient one.
public final class Certificate: @unchecked Sendable {
    // Owned; freed in deinit. Immutable after init.
    let x509: OpaquePointer

    /// The DER encoding.
    public let der: [UInt8]
    /// The subject `CN` (OID 2.5.4.3), when present exactly once.
    public let subjectCommonName: String?
    /// The subject `serialNumber` (OID 2.5.4.5), when present exactly once.
    public let subjectSerialNumber: String?
    /// The `dNSName` entries of the subjectAltName extension, in order.
    public let sanDNSNames: [String]
    /// The `iPAddress` entries of the subjectAltName extension, as text
    /// (dotted IPv4, RFC 5952 IPv6), in order.
    public let sanIPAddresses: [String]
    /// The `uniformResourceIdentifier` entries of the subjectAltName extension, in order.
    public let sanURIs: [String]
    /// Start of the validity period, Unix seconds.
    public let notBefore: Int64
    /// End of the validity period, Unix seconds.
    public let notAfter: Int64
    /// The DER SubjectPublicKeyInfo.
    public let subjectPublicKeyInfo: [UInt8]
    /// SHA-256 of the DER SubjectPublicKeyInfo (the key pin).
    public let spkiSHA256: [UInt8]
    /// The public key when it is an EC P-256 key; nil for any other key.
    public let publicKey: P256PublicKey?
    /// The key type for messages, e.g. `EC prime256v1`, `RSA 2048`.
    public let publicKeyDescription: String
    /// Whether subject and issuer are equal and the certificate's own key verifies its signature.
    public let isSelfSigned: Bool
    /// Whether basicConstraints says `CA:TRUE`.
    public let isCA: Bool
    /// The serial number as lowercase hex without leading zero bytes (`-` prefixed if negative).
    public let serialNumberHex: String
    /// The issuer name as one RFC 2253 line (`CN=…,O=…`).
    public let issuerDN: String
    /// The subject name as one RFC 2253 line (`CN=…,O=…`).
    public let subjectDN: String

    /// Takes ownership of `x509` (freed even when this throws).
    init(taking x509: OpaquePointer) throws {
        do {
            self.der = try Self.encode(x509)
            let subject = X509_get_subject_name(x509)
            self.subjectCommonName = Self.single(Self.attributes(subject, nid: NID_commonName))
            self.subjectSerialNumber = Self.single(Self.attributes(subject, nid: NID_serialNumber))
            let names = try Self.subjectAltNames(x509)
            self.sanDNSNames = names.dns
            self.sanIPAddresses = names.ip
            self.sanURIs = names.uri
            self.notBefore = try ASN1Time.unixSeconds(X509_get0_notBefore(x509))
            self.notAfter = try ASN1Time.unixSeconds(X509_get0_notAfter(x509))
            let spki = try Self.subjectPublicKeyInfo(x509)
            self.subjectPublicKeyInfo = spki
            self.spkiSHA256 = SHA256.hash(spki)
            self.publicKey = try? P256PublicKey(derSubjectPublicKeyInfo: spki)
            self.publicKeyDescription = Self.describeKey(X509_get0_pubkey(x509))
            self.isSelfSigned = X509_self_signed(x509, 1) == 1
            // X509_get_extension_flags caches the extensions first (it is how OpenSSL reads basicConstraints).
            self.isCA = X509_get_extension_flags(x509) & hub_EXFLAG_CA() != 0
            self.serialNumberHex = try Self.serialHex(X509_get0_serialNumber(x509))
            self.issuerDN = try Self.oneLine(X509_get_issuer_name(x509))
            self.subjectDN = try Self.oneLine(subject)
            ERR_clear_error()
        } catch {
            X509_free(x509)
            throw error
        }
        self.x509 = x509
    }

    deinit { X509_free(x509) }

    /// Loads one DER certificate; trailing bytes are refused.
    public convenience init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw HubProtocolError(.encoding, "the DER certificate is empty") }
        let x509: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            ERR_clear_error()
            guard let x = d2i_X509(nil, &p, buffer.count) else {
                throw OpenSSL.error(.encoding, "not a DER X.509 certificate")
            }
            guard p == buffer.baseAddress! + buffer.count else {
                X509_free(x)
                throw HubProtocolError(.encoding, "trailing bytes after the DER certificate")
            }
            return x
        }
        try self.init(taking: x509)
    }

    /// Loads a PEM text holding exactly one `CERTIFICATE` block.
    ///
    /// Use ``loadPEMBundle(_:)`` for a chain or a bundle.
    public convenience init(pem: String) throws {
        let blocks = try PEMBlocks.read(pem, label: "CERTIFICATE")
        guard blocks.count == 1 else {
            throw HubProtocolError(.encoding, "expected one PEM certificate, found \(blocks.count)")
        }
        try self.init(der: blocks[0])
    }

    /// Loads every `CERTIFICATE` block of a PEM text, in order.
    ///
    /// Refuses text with no certificate and text holding blocks of any other type
    /// (a private key in a certificate file is an operator mistake worth reporting).
    public static func loadPEMBundle(_ pem: String) throws -> [Certificate] {
        let blocks = try PEMBlocks.read(pem, label: "CERTIFICATE")
        guard !blocks.isEmpty else { throw HubProtocolError(.encoding, "the PEM text holds no certificate") }
        return try blocks.enumerated().map { index, der in
            do { return try Certificate(der: der) } catch let error as HubProtocolError {
                throw HubProtocolError(
                    error.code,
                    "certificate \(index + 1) of the bundle: \(error.message)",
                    openSSLErrors: error.openSSLErrors
                )
            }
        }
    }

    /// Makes a second owner of an `X509` that someone else keeps (up-references it).
    static func referencing(_ x509: OpaquePointer) throws -> Certificate {
        try OpenSSL.check("X509_up_ref") { X509_up_ref(x509) }
        return try Certificate(taking: x509)
    }

    /// The PEM encoding (`-----BEGIN CERTIFICATE-----`).
    public var pem: String {
        let bytes = try? OpenSSL.writingToMemoryBIO { bio in
            try OpenSSL.check("PEM_write_bio_X509") { PEM_write_bio_X509(bio, x509) }
        }
        // Writing a parsed certificate to memory fails only when memory runs out.
        guard let bytes, !bytes.isEmpty else { fatalError("PEM_write_bio_X509 failed on a loaded certificate") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The OIN: the subject `serialNumber` when it is exactly 20 ASCII digits.
    public var oin: String? {
        guard let serial = subjectSerialNumber, Self.isOIN(serial) else { return nil }
        return serial
    }

    /// Whether the key is EC P-256 (the only key type the hub signs with).
    public var isP256: Bool { publicKey != nil }

    /// The SAN URIs that look like role markers (`urn:hub:role:…`, compared
    /// case-insensitively so a differently cased second marker still counts).
    public var roleURIs: [String] {
        sanURIs.filter { $0.lowercased().hasPrefix(Role.uriPrefix) }
    }

    /// The role, when exactly one role URI is present and it names a known role
    /// in exactly the form `urn:hub:role:<role>`; nil otherwise (none, several, unknown).
    public var role: Role? {
        let uris = roleURIs
        guard uris.count == 1, uris[0].hasPrefix(Role.uriPrefix) else { return nil }
        return Role(rawValue: String(uris[0].dropFirst(Role.uriPrefix.count)))
    }

    /// Whether `text` is an OIN: exactly 20 ASCII digits.
    public static func isOIN(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 20 && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

extension Certificate: Equatable {
    /// Certificates are equal when their DER encodings are.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
}
