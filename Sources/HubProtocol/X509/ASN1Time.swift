internal import COpenSSL

/// Conversions between ASN.1 times in certificates and CRLs and Unix seconds.
enum ASN1Time {
    /// The Unix seconds of an ASN.1 time (UTCTime or GeneralizedTime).
    static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) throws -> Int64 {
        guard let time else { throw HubProtocolError(.encoding, "a time field is missing") }
        ERR_clear_error()
        guard let epoch = ASN1_TIME_set(nil, 0) else { throw OpenSSL.error(.crypto, "ASN1_TIME_set failed") }
        defer { ASN1_TIME_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else {
            throw OpenSSL.error(.encoding, "the certificate or CRL holds an invalid time")
        }
        return Int64(days) * 86400 + Int64(seconds)
    }

    /// A new ASN.1 time for `seconds` (UTCTime through 2049, GeneralizedTime after,
    /// as RFC 5280 §4.1.2.5 requires). The caller frees it with `ASN1_TIME_free`.
    static func make(_ seconds: Int64) throws -> UnsafeMutablePointer<ASN1_TIME> {
        // Years 0000-9999 are all ASN.1 can hold; refuse the rest before time_t conversion.
        guard seconds >= -62_167_219_200, seconds <= 253_402_300_799 else {
            throw HubProtocolError(.encoding, "time \(seconds) is outside the years 0000-9999")
        }
        ERR_clear_error()
        guard let time = ASN1_TIME_set(nil, time_t(seconds)) else {
            throw OpenSSL.error(.encoding, "time \(seconds) cannot be encoded as an ASN.1 time")
        }
        return time
    }

    /// The current time from OpenSSL's clock (`X509_gmtime_adj`), Unix seconds.
    /// Used only for issuing defaults; verification always takes an explicit time.
    static func now() throws -> Int64 {
        ERR_clear_error()
        guard let time = X509_gmtime_adj(nil, 0) else { throw OpenSSL.error(.crypto, "X509_gmtime_adj failed") }
        defer { ASN1_TIME_free(time) }
        return try unixSeconds(time)
    }
}
