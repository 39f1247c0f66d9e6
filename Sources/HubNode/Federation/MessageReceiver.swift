public import GRDB
public import HubProtocol

/// The receiving side of `POST /v1/messages` (PROTOCOL §4–§5): verifies each
/// message of a well-formed batch in order, runs its handler, and commits the
/// accepted messages, every recorded rejection, the receipts and their audit
/// entries in one transaction (group commit) before anything is answered.
public struct MessageReceiver: Sendable {
    /// This node's identity and signing key.
    public let identity: NodeIdentity
    /// The handlers for step 10.
    public let registry: MessageHandlerRegistry

    /// Makes a receiver.
    public init(identity: NodeIdentity, registry: MessageHandlerRegistry) {
        self.identity = identity
        self.registry = registry
    }

    /// What one message came to.
    public struct Outcome: Sendable, Equatable {
        /// The receipt, byte for byte as returned.
        public var receipt: String
        /// Whether it was accepted.
        public var accepted: Bool
        /// The reason code when rejected.
        public var reason: ReceiptReason?
        /// Whether this was a repeat answered from the store.
        public var repeated: Bool
        /// The message's `type` claim, when its signature verified (for metrics).
        public var type: String? = nil
    }

    /// Processes `messages` from the peer `peerOIN` inside `db`'s transaction.
    ///
    /// The caller runs this in one write transaction; when the transaction
    /// fails nothing is acknowledged.
    public func receive(
        _ messages: [String],
        from peerOIN: String,
        verifier: JWSVerifier,
        now: Int64,
        alerts: inout [String],
        in db: Database
    ) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(messages.count)
        for m in messages {
            outcomes.append(try receiveOne(m, from: peerOIN, verifier: verifier, now: now, alerts: &alerts, in: db))
        }
        return outcomes
    }

    private func receiveOne(
        _ m: String,
        from peerOIN: String,
        verifier: JWSVerifier,
        now: Int64,
        alerts: inout [String],
        in db: Database
    ) throws -> Outcome {
        let hash = CompactJWS.hash(m)
        // Before step 1: the same bytes get the same receipt back, byte for byte.
        if let stored = try Inbox.lookupReceipt(hash: hash, in: db) {
            let row = try Inbox.row(hash: hash, in: db)
            return Outcome(
                receipt: stored,
                accepted: row?.status == .accepted,
                reason: row?.reason.flatMap(ReceiptReason.init(rawValue:)),
                repeated: true,
                type: row?.type
            )
        }
        let refJTI = JWSVerifier.refJTI(of: m)
        let verified: VerifiedMessage
        do {
            verified = try verifier.verifyMessage(m, tlsPeerOIN: peerOIN, ownOIN: identity.oin, at: now)
        } catch {
            // Only steps after 7 reserve (iss, jti): of the verifier's codes, that is `expired`.
            let reserves = error.reason == .expired
            let payload = reserves ? Self.envelope(of: m) : nil
            return try reject(
                m,
                hash: hash,
                refJTI: refJTI,
                reason: error.reason,
                peerOIN: peerOIN,
                iss: payload?.iss,
                jti: reserves ? refJTI : nil,
                type: payload?.type,
                exp: payload?.exp,
                now: now,
                in: db
            )
        }
        let payload = verified.payload
        // Step 9: the same (iss, jti) with other bytes.
        if let owner = try Inbox.jtiOwner(iss: payload.iss, jti: payload.jti, in: db), owner != hash {
            alerts.append("jti_conflict from \(payload.iss): a second message reuses jti \(payload.jti)")
            try Alerts.raise(
                .jtiConflict,
                peer: payload.iss,
                detail: "jti \(payload.jti) reused with other bytes (hash \(hash))",
                at: now,
                in: db
            )
            return try reject(
                m,
                hash: hash,
                refJTI: refJTI,
                reason: .jtiConflict,
                peerOIN: peerOIN,
                iss: payload.iss,
                jti: nil,
                type: payload.type,
                exp: payload.exp,
                now: now,
                in: db
            )
        }
        // Step 10: type, body, sealed data, transition.
        guard let type = MessageType(rawValue: payload.type), let handler = registry.handler(for: type) else {
            return try reject(
                m,
                hash: hash,
                refJTI: refJTI,
                reason: .unknownType,
                peerOIN: peerOIN,
                iss: payload.iss,
                jti: payload.jti,
                type: payload.type,
                exp: payload.exp,
                now: now,
                in: db
            )
        }
        var rejection: HandlerRejection? = nil
        try db.inSavepoint {
            do {
                try handler.handle(ReceivedMessage(message: verified, peerOIN: peerOIN, receivedAt: now), in: db)
                return .commit
            } catch let error as HandlerRejection {
                rejection = error
                return .rollback
            }
        }
        if let rejection {
            return try reject(
                m,
                hash: hash,
                refJTI: refJTI,
                reason: rejection.reason,
                peerOIN: peerOIN,
                iss: payload.iss,
                jti: payload.jti,
                type: payload.type,
                exp: payload.exp,
                now: now,
                in: db
            )
        }
        let receipt = try identity.signReceipt(
            ref: hash,
            refJTI: refJTI,
            to: peerOIN,
            status: .accepted,
            reason: nil,
            at: now
        )
        try Inbox.insert(
            InboxRow(
                hash: hash,
                iss: payload.iss,
                jti: payload.jti,
                reservesJTI: true,
                type: payload.type,
                typ: JWSType.message.rawValue,
                jws: m,
                receivedAt: now,
                peerOIN: peerOIN,
                status: .accepted,
                reason: nil,
                receiptJWS: receipt,
                exp: payload.exp
            ),
            in: db
        )
        try audit(hash: hash, type: payload.type, peerOIN: peerOIN, status: "accepted", reason: nil, now: now, in: db)
        return Outcome(receipt: receipt, accepted: true, reason: nil, repeated: false, type: payload.type)
    }

    /// Signs a rejection; records it unless it is transient (PROTOCOL §5).
    private func reject(
        _ m: String,
        hash: String,
        refJTI: String?,
        reason: ReceiptReason,
        peerOIN: String,
        iss: String?,
        jti: String?,
        type: String?,
        exp: Int64?,
        now: Int64,
        in db: Database
    ) throws -> Outcome {
        let receipt = try identity.signReceipt(
            ref: hash,
            refJTI: refJTI,
            to: peerOIN,
            status: .rejected,
            reason: reason,
            at: now
        )
        if !reason.isTransient {
            // A message refused for wrong_audience was meant for another node and reserves nothing.
            try Inbox.insert(
                InboxRow(
                    hash: hash,
                    iss: iss,
                    jti: refJTI,
                    reservesJTI: jti != nil && reason != .wrongAudience,
                    type: type,
                    typ: JWSType.message.rawValue,
                    jws: m,
                    receivedAt: now,
                    peerOIN: peerOIN,
                    status: .rejected,
                    reason: reason.rawValue,
                    receiptJWS: receipt,
                    exp: exp
                ),
                in: db
            )
        }
        try audit(
            hash: hash,
            type: type,
            peerOIN: peerOIN,
            status: "rejected",
            reason: reason.rawValue,
            now: now,
            in: db
        )
        return Outcome(receipt: receipt, accepted: false, reason: reason, repeated: false, type: type)
    }

    private func audit(
        hash: String,
        type: String?,
        peerOIN: String,
        status: String,
        reason: String?,
        now: Int64,
        in db: Database
    ) throws {
        var details: [String: JSONValue] = ["hash": .string(hash), "peer": .string(peerOIN), "status": .string(status)]
        if let type, type.utf8.count <= 64 { details["type"] = .string(type) }
        if let reason { details["reason"] = .string(reason) }
        try AuditLog.append(.object(details), actor: peerOIN, action: "message.received", at: now, in: db)
    }

    /// The envelope of a message whose signature verified but which failed a later step.
    private static func envelope(of m: String) -> MessagePayload? {
        guard let bytes = try? CompactJWS(m).payload, let value = try? JSONParser.parse(bytes, options: .strict)
        else { return nil }
        return try? JSONValueDecoder().decode(MessagePayload.self, from: value)
    }
}
