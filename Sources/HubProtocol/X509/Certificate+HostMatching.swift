internal import COpenSSL

extension Certificate {
    /// Whether this certificate is valid for `host`, the name or address a client dialled.
    ///
    /// An IP address (IPv4 dotted quad or IPv6 text) matches only an equal
    /// iPAddress SAN, never a DNS name. Any other host is matched against the
    /// dNSName SANs as RFC 6125 says: case-insensitively, with `*` allowed only as
    /// the whole leftmost label and standing for exactly one label. The subject
    /// `CN` is never consulted. Matching is OpenSSL's (`X509_check_ip_asc`,
    /// `X509_check_host`).
    public func matchesHost(_ host: String) -> Bool {
        let bytes = Array(host.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { return false }
        defer { ERR_clear_error() }
        ERR_clear_error()
        switch X509_check_ip_asc(x509, host, 0) {
        case 1: return true
        case 0: return false  // a well-formed address that is not in the SANs
        default: break  // -2: not an IP address; try it as a DNS name
        }
        return X509_check_host(x509, host, bytes.count, hub_X509_CHECK_FLAG_policy(), nil) == 1
    }
}
