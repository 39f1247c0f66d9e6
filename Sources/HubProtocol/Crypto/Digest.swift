internal import COpenSSL

/// SHA-256 through OpenSSL's EVP interface.
public enum SHA256 {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func hash<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let input = Array(bytes)
        let ok = input.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, EVP_sha256(), nil)
        }
        // EVP_Digest with SHA-256 cannot fail short of memory exhaustion; treat that like a crash.
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }
}

/// HMAC-SHA256 through OpenSSL.
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode<Key: Collection<UInt8>, Message: Collection<UInt8>>(
        key: Key,
        message: Message
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let k = Array(key)
        let m = Array(message)
        // HMAC() with an empty key needs a non-NULL pointer.
        let keyStorage = k.isEmpty ? [UInt8(0)] : k
        let result = keyStorage.withUnsafeBytes { kr in
            m.withUnsafeBytes { mr in
                HMAC(
                    EVP_sha256(),
                    kr.baseAddress,
                    Int32(k.count),
                    mr.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    mr.count,
                    &out,
                    &length
                )
            }
        }
        precondition(result != nil && length == 32, "HMAC-SHA256 failed")
        return out
    }

    /// Compares two MACs in constant time.
    public static func isEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { ar in
            b.withUnsafeBytes { br in CRYPTO_memcmp(ar.baseAddress, br.baseAddress, a.count) == 0 }
        }
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        precondition(ok == 1, "RAND_bytes failed: the system random source is unavailable")
        return out
    }

    /// A uniformly random integer in `0..<upperBound`.
    public static func uniform(_ upperBound: UInt64) -> UInt64 {
        precondition(upperBound > 0)
        let limit = UInt64.max - UInt64.max % upperBound
        while true {
            let b = bytes(8)
            let v = b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if v < limit { return v % upperBound }
        }
    }
}
