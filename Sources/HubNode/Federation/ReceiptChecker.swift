public import HubProtocol

/// The sender's checks on a batch's receipts (PROTOCOL §5): each receipt
/// passes steps 1–5, comes from the peer it dialled, is addressed to this
/// node, and answers message *i* by hash and `jti`.
public struct ReceiptChecker: Sendable {
    /// This node's OIN.
    public let ownOIN: String
    /// The federation verifier.
    public let verifier: JWSVerifier

    /// Makes a checker.
    public init(ownOIN: String, verifier: JWSVerifier) {
        self.ownOIN = ownOIN
        self.verifier = verifier
    }

    /// One message as sent: its bytes' hash and its `jti`.
    public struct Sent: Sendable {
        public var hash: String
        public var jti: String
        public init(hash: String, jti: String) {
            self.hash = hash
            self.jti = jti
        }
    }

    /// Parses a `200` body and checks every receipt; any mismatch makes the
    /// whole batch unknown (returned as `.unknown`).
    public func check(body: [UInt8], sent: [Sent], peerOIN: String, now: Int64) -> DeliveryStateMachine.BatchOutcome {
        guard let value = try? JSONParser.parse(body), let members = value.objectValue, members.count == 1,
            let receipts = members["receipts"]?.arrayValue
        else { return .unknown("the answer is not {\"receipts\":[…]}") }
        guard receipts.count == sent.count else {
            return .unknown("\(receipts.count) receipts for \(sent.count) messages")
        }
        var results: [DeliveryStateMachine.MessageResult] = []
        for (i, element) in receipts.enumerated() {
            guard let compact = element.stringValue else { return .unknown("receipt \(i) is not a string") }
            let payload: ReceiptPayload
            do {
                let verified = try verifier.verify(compact, typ: .receipt, at: now)
                try JWSVerifier.requireMembers(verified.payload, typ: .receipt)
                payload = try verified.decode(ReceiptPayload.self)
                guard verified.signer.oin == payload.iss else {
                    return .unknown("receipt \(i) is not signed by its iss")
                }
            } catch {
                return .unknown("receipt \(i) does not verify: \(error.reason.rawValue): \(error.detail)")
            }
            guard payload.iss == peerOIN else {
                return .unknown("receipt \(i) is from another OIN than the peer dialled")
            }
            guard payload.aud == ownOIN else { return .unknown("receipt \(i) is addressed to another node") }
            guard payload.ref == sent[i].hash else { return .unknown("receipt \(i) answers another message (ref)") }
            guard payload.refJTI == sent[i].jti else {
                return .unknown("receipt \(i) answers another message (ref_jti)")
            }
            switch (payload.status, payload.reason) {
            case (.accepted, _):
                results.append(.accepted(receipt: compact))
            case (.rejected, let reason?) where reason.isTransient:
                results.append(.transient(reason: reason, receipt: compact))
            case (.rejected, let reason?):
                results.append(.rejected(reason: reason, receipt: compact))
            case (.rejected, nil):
                return .unknown("receipt \(i) is rejected without a reason")
            }
        }
        return .receipts(results)
    }
}
