internal import COpenSSL

// Reading the fields of an X509 once, when a Certificate is loaded.
extension Certificate {
    static func encode(_ x509: OpaquePointer) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        ERR_clear_error()
        let n = i2d_X509(x509, &out)
        guard n > 0, let out else { throw OpenSSL.error(.encoding, "the certificate cannot be DER-encoded") }
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }

    /// Every value of the attribute `nid` in a name, as UTF-8.
    static func attributes(_ name: OpaquePointer?, nid: Int32) -> [String] {
        guard let name else { return [] }
        var values: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            guard index >= 0 else { break }
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
                continue
            }
            values.append(utf8(data) ?? "")
        }
        ERR_clear_error()
        return values
    }

    /// The one element of `values`, or nil when there are none or several.
    static func single(_ values: [String]) -> String? {
        values.count == 1 ? values[0] : nil
    }

    /// An ASN.1 string converted to UTF-8 by OpenSSL (BMPString, T61String… included).
    static func utf8(_ string: UnsafePointer<ASN1_STRING>) -> String? {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let n = ASN1_STRING_to_UTF8(&out, string)
        guard n >= 0, let out else { return nil }
        defer { hub_OPENSSL_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(n)), as: UTF8.self)
    }

    /// The raw bytes of an ASN.1 string (IA5String, OCTET STRING).
    static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> [UInt8] {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return [] }
        let length = Int(ASN1_STRING_length(string))
        guard length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// The DNS, IP and URI entries of the subjectAltName extension.
    static func subjectAltNames(_ x509: OpaquePointer) throws -> (dns: [String], ip: [String], uri: [String]) {
        var critical: Int32 = 0
        ERR_clear_error()
        let raw = X509_get_ext_d2i(x509, hub_NID_subject_alt_name(), &critical, nil)
        // X509_get_ext_d2i reports -1 for "absent" and -2 for "more than once".
        guard let raw else {
            if critical == -1 { return ([], [], []) }
            if critical == -2 {
                throw OpenSSL.error(.encoding, "the certificate has more than one subjectAltName extension")
            }
            throw OpenSSL.error(.encoding, "the certificate's subjectAltName extension cannot be decoded")
        }
        let names = OpaquePointer(raw)
        defer { hub_GENERAL_NAMES_free_all(names) }
        var dns: [String] = []
        var ip: [String] = []
        var uri: [String] = []
        for i in 0..<hub_sk_GENERAL_NAME_num(names) {
            guard let name = hub_sk_GENERAL_NAME_value(names, i) else { continue }
            switch name.pointee.type {
            case hub_GEN_DNS():
                dns.append(String(decoding: bytes(name.pointee.d.dNSName), as: UTF8.self))
            case hub_GEN_URI():
                uri.append(String(decoding: bytes(name.pointee.d.uniformResourceIdentifier), as: UTF8.self))
            case hub_GEN_IPADD():
                let address = bytes(name.pointee.d.iPAddress)
                guard let text = IPAddressText.format(address) else {
                    throw HubProtocolError(.encoding, "the certificate has an IP address SAN of \(address.count) bytes")
                }
                ip.append(text)
            default:
                continue
            }
        }
        return (dns, ip, uri)
    }

    static func subjectPublicKeyInfo(_ x509: OpaquePointer) throws -> [UInt8] {
        ERR_clear_error()
        guard let key = X509_get_X509_PUBKEY(x509) else {
            throw OpenSSL.error(.encoding, "the certificate has no public key")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let n = i2d_X509_PUBKEY(key, &out)
        guard n > 0, let out else { throw OpenSSL.error(.encoding, "the certificate's public key cannot be encoded") }
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }

    static func describeKey(_ pkey: OpaquePointer?) -> String {
        defer { ERR_clear_error() }
        guard let pkey else { return "unknown key (unsupported by this OpenSSL)" }
        let type = EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown"
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        if EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 {
            return "\(type) \(String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))"
        }
        return "\(type) \(EVP_PKEY_get_bits(pkey))"
    }

    static func serialHex(_ serial: UnsafePointer<ASN1_INTEGER>?) throws -> String {
        ERR_clear_error()
        guard let serial, let bn = ASN1_INTEGER_to_BN(serial, nil) else {
            throw OpenSSL.error(.encoding, "the certificate's serial number cannot be read")
        }
        defer { BN_free(bn) }
        return bignumHex(bn)
    }

    /// Lowercase hex of a BIGNUM's magnitude, at least one byte, `-` prefixed when negative.
    static func bignumHex(_ bn: OpaquePointer) -> String {
        let count = max(1, (Int(BN_num_bits(bn)) + 7) / 8)
        var bytes = [UInt8](repeating: 0, count: count)
        _ = BN_bn2binpad(bn, &bytes, Int32(count))
        return (BN_is_negative(bn) != 0 ? "-" : "") + Hex.encode(bytes)
    }

    static func oneLine(_ name: OpaquePointer?) throws -> String {
        let bytes = try OpenSSL.writingToMemoryBIO { bio in
            guard X509_NAME_print_ex(bio, name, 0, hub_XN_FLAG_RFC2253_UTF8()) >= 0 else {
                throw OpenSSL.error(.encoding, "the name cannot be printed")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Text forms of IP addresses as found in iPAddress SANs.
enum IPAddressText {
    /// Dotted quad for 4 bytes, RFC 5952 text for 16 bytes, nil for other lengths.
    static func format(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4:
            return bytes.map(String.init).joined(separator: ".")
        case 16:
            let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
            // RFC 5952 §4.2: shorten the longest run of two or more zero groups (the first if tied).
            var best = (start: -1, length: 0)
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > best.length { best = (i, j - i) }
                    i = j
                } else {
                    i += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.length >= 2 else { return hex.joined(separator: ":") }
            let head = hex[0..<best.start].joined(separator: ":")
            let tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        default:
            return nil
        }
    }
}
