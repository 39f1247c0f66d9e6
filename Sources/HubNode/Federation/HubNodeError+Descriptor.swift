// Why a peer's descriptor could not be had (PROTOCOL §7): `Detail.descriptor`,
// with the HTTP status when the peer answered with one. These errors print as
// their message, after `HTTP <status>: ` when there is a status.

extension HubNodeError.Code {
    /// The peer could not be reached (the cause says why).
    public static let descriptorUnreachable = Self("descriptor_unreachable")
    /// The peer answered `GET /v1/descriptor` with another status than 200.
    public static let descriptorRefused = Self("descriptor_refused")
    /// The peer's answer is not `{"descriptor":"…"}`.
    public static let descriptorMalformed = Self("descriptor_malformed")
    /// The descriptor does not verify, is not the configured peer's, or is
    /// out of its lifetime (the cause says which).
    public static let descriptorInvalid = Self("descriptor_invalid")
}
