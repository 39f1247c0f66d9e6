public import HubProtocol

/// Who this node is and how it signs (PROTOCOL §1, §4).
public struct NodeIdentity: Sendable {
    /// The organisation's OIN.
    public let oin: String
    /// The display name, e.g. `Gemeente Arnhem`.
    public let name: String
    /// The CBS municipality code, e.g. `GM0202`.
    public let municipalityCode: String
    /// Signs messages, receipts, descriptors and checkpoints.
    public let signer: JWSSigner

    /// Makes an identity; the signer's OIN must be `oin`.
    public init(oin: String, name: String, municipalityCode: String, signer: JWSSigner) throws {
        guard signer.oin == oin else {
            throw HubProtocolError(.invalidKey, "the signing certificate's OIN is not the configured identity.oin")
        }
        self.oin = oin
        self.name = name
        self.municipalityCode = municipalityCode
        self.signer = signer
    }

    /// Signs a receipt for the message with content address `ref` (PROTOCOL §5).
    public func signReceipt(
        ref: String,
        refJTI: String?,
        to peerOIN: String,
        status: ReceiptStatus,
        reason: ReceiptReason?,
        at now: Int64
    ) throws -> String {
        let payload = ReceiptPayload(
            jti: HubUUID.v7(),
            iss: oin,
            aud: peerOIN,
            iat: now,
            ref: ref,
            refJTI: refJTI,
            status: status,
            reason: reason
        )
        return try signer.sign(encoding: payload, typ: .receipt)
    }

    /// Signs a message to `peerOIN` with a fresh `jti`.
    public func signMessage(
        type: MessageType,
        body: JSONValue,
        to peerOIN: String,
        at now: Int64,
        lifetime: Int64,
        jti: String = HubUUID.v7()
    ) throws -> (jws: String, jti: String, hash: String) {
        let payload = MessagePayload(
            type: type.rawValue,
            jti: jti,
            iss: oin,
            aud: peerOIN,
            iat: now,
            exp: now + lifetime,
            body: body
        )
        let jws = try signer.sign(encoding: payload, typ: .message)
        return (jws, jti, CompactJWS.hash(jws))
    }
}
