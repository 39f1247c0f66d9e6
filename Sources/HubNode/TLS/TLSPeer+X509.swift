internal import COpenSSL
import HubProtocol

extension TLSPeer {
    /// Reads a peer from a verified chain (`STACK_OF(X509)`, leaf first, root
    /// last), asking `bundle` which trust bundle the root belongs to.
    static func read(
        verifiedChain stack: OpaquePointer,
        bundle: ([UInt8]) -> TLSTrustBundle?
    ) throws(HubNodeError) -> TLSPeer {
        let count = hub_sk_X509_num(stack)
        guard count >= 1, let leaf = hub_sk_X509_value(stack, 0), let root = hub_sk_X509_value(stack, count - 1) else {
            throw HubNodeError(.peerCertificateRejected, "the verified peer chain is empty", detail: .tls())
        }
        let chain = (0..<count).compactMap { hub_sk_X509_value(stack, $0) }.map(TLSOpenSSL.der(of:))
        guard chain.allSatisfy({ !$0.isEmpty }) else {
            throw TLSOpenSSL.error(.peerCertificateRejected, "cannot encode the peer chain as DER")
        }
        let rootSHA256 = SHA256.hash(TLSOpenSSL.der(of: root))
        guard let trustBundle = bundle(rootSHA256) else {
            throw HubNodeError(
                .peerCertificateRejected,
                "the peer chain ends in a root of neither bundle",
                detail: .tls()
            )
        }
        let serialNumbers = subjectAttributes(leaf, nid: NID_serialNumber)
        let commonNames = subjectAttributes(leaf, nid: NID_commonName)
        return TLSPeer(
            chain: chain,
            oin: serialNumbers.count == 1 ? serialNumbers[0] : nil,
            commonName: commonNames.count == 1 ? commonNames[0] : nil,
            uris: subjectAltNames(leaf, type: hub_GEN_URI()),
            dnsNames: subjectAltNames(leaf, type: hub_GEN_DNS()),
            spkiSHA256: SHA256.hash(try subjectPublicKeyInfo(leaf)),
            rootSHA256: rootSHA256,
            trustBundle: trustBundle
        )
    }

    /// The UTF-8 values of every subject attribute with this NID, in order.
    static func subjectAttributes(_ certificate: OpaquePointer, nid: Int32) -> [String] {
        guard let name = X509_get_subject_name(certificate) else { return [] }
        var values: [String] = []
        var position: Int32 = -1
        while true {
            position = X509_NAME_get_index_by_NID(name, nid, position)
            guard position >= 0 else { break }
            guard let entry = X509_NAME_get_entry(name, position), let data = X509_NAME_ENTRY_get_data(entry) else {
                continue
            }
            var utf8: UnsafeMutablePointer<UInt8>? = nil
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { continue }
            values.append(String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
            hub_OPENSSL_free(utf8)
        }
        return values
    }

    /// The subject alternative names of one type (`GEN_URI`, `GEN_DNS`), in order.
    static func subjectAltNames(_ certificate: OpaquePointer, type wanted: Int32) -> [String] {
        guard let raw = X509_get_ext_d2i(certificate, hub_NID_subject_alt_name(), nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { hub_GENERAL_NAMES_free_all(names) }
        var values: [String] = []
        for index in 0..<hub_sk_GENERAL_NAME_num(names) {
            var type: Int32 = 0
            guard let name = hub_sk_GENERAL_NAME_value(names, index),
                let value = GENERAL_NAME_get0_value(name, &type),
                type == wanted
            else { continue }
            // DNS names and URIs are IA5Strings.
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            let length = Int(ASN1_STRING_length(string))
            guard length >= 0, let bytes = ASN1_STRING_get0_data(string) else { continue }
            values.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
        }
        return values
    }

    /// The DER SubjectPublicKeyInfo of a certificate.
    static func subjectPublicKeyInfo(_ certificate: OpaquePointer) throws(HubNodeError) -> [UInt8] {
        ERR_clear_error()
        guard let key = X509_get_X509_PUBKEY(certificate) else {
            throw TLSOpenSSL.error(.peerCertificateRejected, "the peer certificate has no public key")
        }
        let length = i2d_X509_PUBKEY(key, nil)
        guard length > 0 else { throw TLSOpenSSL.error(.peerCertificateRejected, "cannot encode the peer public key") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509_PUBKEY(key, &cursor)
        }
        guard written == length else {
            throw TLSOpenSSL.error(.peerCertificateRejected, "cannot encode the peer public key")
        }
        return out
    }
}
