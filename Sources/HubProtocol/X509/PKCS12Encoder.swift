internal import COpenSSL

/// PKCS#12 (`.p12`) files for importing a certificate and key into browsers and
/// operating systems, through OpenSSL's `PKCS12_create` with its OpenSSL 3
/// defaults: PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256 for key and
/// certificates, an HMAC-SHA256 MAC.
public enum PKCS12Encoder {
    /// The DER PKCS#12 holding `certificate`, its `key` and the `chain` of CA
    /// certificates above it, protected by `password`.
    ///
    /// - Parameter friendlyName: the label shown on import (default: none).
    public static func encode(
        certificate: Certificate,
        key: P256PrivateKey,
        chain: [Certificate] = [],
        password: String,
        friendlyName: String? = nil
    ) throws -> [UInt8] {
        guard !password.isEmpty, !password.utf8.contains(0) else {
            throw HubProtocolError(.invalidIssuingRequest, "a PKCS#12 password must be non-empty and without NUL")
        }
        ERR_clear_error()
        guard X509_check_private_key(certificate.x509, key.pkey) == 1 else {
            throw OpenSSL.error(.invalidIssuingRequest, "the private key does not match the certificate")
        }
        let stack = try OpenSSL.make("sk_X509_new_null") { hub_sk_X509_new_null() }
        // The stack borrows the certificates; PKCS12_create copies what it needs.
        defer { hub_sk_X509_free(stack) }
        for ca in chain {
            guard hub_sk_X509_push(stack, ca.x509) > 0 else { throw OpenSSL.error(.crypto, "sk_X509_push failed") }
        }
        let p12: OpaquePointer = try withExtendedLifetime(chain) {
            try OpenSSL.make("PKCS12_create") {
                // Zeros select OpenSSL's defaults for ciphers, iteration counts and key type.
                PKCS12_create(password, friendlyName, key.pkey, certificate.x509, stack, 0, 0, 0, 0, 0)
            }
        }
        defer { PKCS12_free(p12) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        ERR_clear_error()
        let n = i2d_PKCS12(p12, &out)
        guard n > 0, let out else { throw OpenSSL.error(.crypto, "i2d_PKCS12 failed") }
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }
}
