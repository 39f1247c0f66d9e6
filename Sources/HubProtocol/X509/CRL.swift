internal import COpenSSL

/// A certificate revocation list held by OpenSSL, with its fields parsed once.
///
/// Loading checks only the encoding. Whether the CRL is signed by the CA it
/// names is checked when it is put in a ``TrustBundle`` (for roots) and during
/// chain verification (for every CA).
public final class CRL: @unchecked Sendable {
    // Owned; freed in deinit. Immutable after init.
    let crl: OpaquePointer

    /// The DER encoding.
    public let der: [UInt8]
    /// The issuer name as one RFC 2253 line.
    public let issuerDN: String
    /// `thisUpdate`, Unix seconds.
    public let lastUpdate: Int64
    /// `nextUpdate`, Unix seconds; nil when the CRL does not say (such a CRL never goes stale).
    public let nextUpdate: Int64?
    /// The serial numbers of the revoked certificates, lowercase hex as in
    /// ``Certificate/serialNumberHex``, in the CRL's order.
    public let revokedSerials: [String]
    /// The cRLNumber extension as lowercase hex, when present.
    public let crlNumberHex: String?

    /// Takes ownership of `crl` (freed even when this throws).
    init(taking crl: OpaquePointer) throws {
        do {
            self.der = try Self.encode(crl)
            self.issuerDN = try Certificate.oneLine(X509_CRL_get_issuer(crl))
            self.lastUpdate = try ASN1Time.unixSeconds(X509_CRL_get0_lastUpdate(crl))
            let next = X509_CRL_get0_nextUpdate(crl)
            self.nextUpdate = try next.map { try ASN1Time.unixSeconds($0) }
            self.revokedSerials = try Self.revoked(crl)
            self.crlNumberHex = try Self.integerExtension(crl, nid: NID_crl_number)
            // A delta CRL only makes sense next to its base; the hub never loads one.
            if try Self.integerExtension(crl, nid: NID_delta_crl) != nil {
                throw HubProtocolError(.encoding, "delta CRLs are not supported; configure the full CRL")
            }
            ERR_clear_error()
        } catch {
            X509_CRL_free(crl)
            throw error
        }
        self.crl = crl
    }

    deinit { X509_CRL_free(crl) }

    /// Loads one DER CRL; trailing bytes are refused.
    public convenience init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw HubProtocolError(.encoding, "the DER CRL is empty") }
        let crl: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            ERR_clear_error()
            guard let c = d2i_X509_CRL(nil, &p, buffer.count) else {
                throw OpenSSL.error(.encoding, "not a DER X.509 CRL")
            }
            guard p == buffer.baseAddress! + buffer.count else {
                X509_CRL_free(c)
                throw HubProtocolError(.encoding, "trailing bytes after the DER CRL")
            }
            return c
        }
        try self.init(taking: crl)
    }

    /// Loads a PEM text holding exactly one `X509 CRL` block.
    public convenience init(pem: String) throws {
        let blocks = try PEMBlocks.read(pem, label: "X509 CRL")
        guard blocks.count == 1 else {
            throw HubProtocolError(.encoding, "expected one PEM CRL, found \(blocks.count)")
        }
        try self.init(der: blocks[0])
    }

    /// The PEM encoding (`-----BEGIN X509 CRL-----`).
    public var pem: String {
        let bytes = try? OpenSSL.writingToMemoryBIO { bio in
            try OpenSSL.check("PEM_write_bio_X509_CRL") { PEM_write_bio_X509_CRL(bio, crl) }
        }
        // Writing a parsed CRL to memory fails only when memory runs out.
        guard let bytes, !bytes.isEmpty else { fatalError("PEM_write_bio_X509_CRL failed on a loaded CRL") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether this CRL names `certificate`'s issuer and lists its serial number.
    ///
    /// This does not check the CRL's signature; ``TrustBundle`` does that.
    public func lists(_ certificate: Certificate) -> Bool {
        var entry: OpaquePointer? = nil
        defer { ERR_clear_error() }
        return X509_CRL_get0_by_cert(crl, &entry, certificate.x509) == 1
    }

    /// Whether `ca`'s public key verifies this CRL's signature and `ca`'s subject is its issuer.
    public func isSigned(by ca: Certificate) -> Bool {
        defer { ERR_clear_error() }
        ERR_clear_error()
        guard X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca.x509)) == 0,
            let key = X509_get0_pubkey(ca.x509)
        else { return false }
        return X509_CRL_verify(crl, key) == 1
    }

    /// Whether the issuer name equals `certificate`'s subject name (no signature check).
    func names(_ certificate: Certificate) -> Bool {
        X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(certificate.x509)) == 0
    }

    static func encode(_ crl: OpaquePointer) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        ERR_clear_error()
        let n = i2d_X509_CRL(crl, &out)
        guard n > 0, let out else { throw OpenSSL.error(.encoding, "the CRL cannot be DER-encoded") }
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }

    static func revoked(_ crl: OpaquePointer) throws -> [String] {
        guard let stack = X509_CRL_get_REVOKED(crl) else { return [] }
        var serials: [String] = []
        for i in 0..<hub_sk_X509_REVOKED_num(stack) {
            guard let entry = hub_sk_X509_REVOKED_value(stack, i) else { continue }
            serials.append(try Certificate.serialHex(X509_REVOKED_get0_serialNumber(entry)))
        }
        return serials
    }

    /// An INTEGER-valued CRL extension as hex; nil when absent.
    static func integerExtension(_ crl: OpaquePointer, nid: Int32) throws -> String? {
        var critical: Int32 = 0
        ERR_clear_error()
        guard let raw = X509_CRL_get_ext_d2i(crl, nid, &critical, nil) else {
            if critical == -1 { return nil }
            throw OpenSSL.error(
                .encoding,
                "the CRL's \(String(cString: OBJ_nid2sn(nid))) extension is malformed or repeated"
            )
        }
        let value = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(value) }
        return try Certificate.serialHex(value)
    }
}
