public import GRDB
public import HubProtocol

/// Computes and carries out a ``RetentionPlan`` (PROTOCOL §13; the rules
/// per table and column are in docs/protocol.md, "Retention").
///
/// ``plan(now:closedCaseAgeDays:in:)`` only reads. ``apply(_:in:)`` changes
/// exactly what the plan lists and must run in the same write transaction
/// that computed the plan, with the audit entry (``RetentionService`` does
/// that), so the run commits whole or not at all.
public enum RetentionPlanner {
    /// Seconds past `exp` during which step 8 still admits a message (§4).
    public static let replayWindow: Int64 = 300
    /// The longest message lifetime (§4, `exp − iat` ≤ 30 days): a rejected
    /// message whose `exp` is unknown is kept this long after it arrived.
    public static let maxMessageLifetime: Int64 = 30 * 86_400

    /// The first day a case may have been closed on and keep its identity at
    /// `now`: today (Europe/Amsterdam) minus the retention age. A case closed
    /// on day D keeps it through D + age and loses it the day after.
    public static func cutoff(now: Int64, closedCaseAgeDays: Int) -> CalendarDate {
        CaseCalendar.day(at: now).adding(days: -closedCaseAgeDays)
    }

    /// What a run at `now` removes. Reads only.
    public static func plan(now: Int64, closedCaseAgeDays: Int, in db: Database) throws -> RetentionPlan {
        let cutoff = cutoff(now: now, closedCaseAgeDays: closedCaseAgeDays)
        var plan = RetentionPlan(now: now, closedCaseAgeDays: closedCaseAgeDays, cutoff: cutoff)
        let pastRetention = "status = 'closed' AND closed_on < ?"
        plan.cases = try String.fetchAll(
            db,
            sql: "SELECT id FROM cases WHERE \(pastRetention) AND purged_at IS NULL ORDER BY closed_on, id",
            arguments: [cutoff.description]
        )
        plan.persons =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM case_persons WHERE case_id IN
                        (SELECT id FROM cases WHERE \(pastRetention) AND purged_at IS NULL)
                    """,
                arguments: [cutoff.description]
            ) ?? 0

        // Referrals past retention: those of a closed case past retention (also
        // one purged by an earlier run), and those without a case at this node
        // (a consult, a rejected or withdrawn offer) finished before the cutoff.
        let candidates = try ReferralRow.fetchAll(
            db,
            sql: """
                SELECT r.* FROM referrals AS r LEFT JOIN cases AS c ON c.id = r.case_id
                WHERE (c.status = 'closed' AND c.closed_on < ?)
                    OR (r.case_id IS NULL AND r.state IN ('rejected', 'withdrawn', 'completed'))
                ORDER BY r.created_at, r.sender_oin, r.referral_id
                """,
            arguments: [cutoff.description]
        )
        for referral in candidates {
            if referral.caseID == nil, CaseCalendar.day(at: referral.updatedAt) >= cutoff { continue }
            let key = RetentionPlan.ReferralKey(sender: referral.senderOIN, referralID: referral.referralID)
            var found = false
            if referral.direction == .incoming, referral.hasSealed, let hash = referral.offerHash,
                try Bool.fetchOne(
                    db,
                    sql: "SELECT jws IS NOT NULL FROM inbox WHERE hash = ?",
                    arguments: [hash]
                ) == true
            {
                plan.inboxSealed.append(hash)
                found = true
            }
            if referral.direction == .outgoing {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, hash FROM outbox
                        WHERE type = 'referral.offer' AND destination_oin = ? AND state != 'queued'
                            AND sealed_deleted_at IS NULL AND json_extract(body_json, '$.referral_id') = ?
                            AND json_extract(body_json, '$.sealed') IS NOT NULL
                        ORDER BY id
                        """,
                    arguments: [referral.peerOIN, referral.referralID]
                )
                plan.outboxSealed += rows.map { RetentionPlan.OutboxMessage(id: $0["id"], hash: $0["hash"]) }
                found = found || !rows.isEmpty
            }
            if try Bool.fetchOne(
                db,
                sql: "SELECT identity_copy IS NOT NULL FROM referrals WHERE sender_oin = ? AND referral_id = ?",
                arguments: [referral.senderOIN, referral.referralID]
            ) == true {
                plan.identityCopies.append(key)
                found = true
            }
            if found { plan.referrals.append(key) }
        }

        // Rejected messages past exp + 300 s: a replay is refused at step 8
        // anyway, and the row answers repeats with its receipt.
        plan.inboxExpired = try String.fetchAll(
            db,
            sql: """
                SELECT hash FROM inbox WHERE status = 'rejected' AND jws IS NOT NULL
                    AND COALESCE(exp, received_at + ?) + ? < ?
                ORDER BY id
                """,
            arguments: [maxMessageLifetime, replayWindow, now]
        )
        return plan
    }

    /// Carries out `plan` in the caller's transaction, which must be the one
    /// that computed it.
    ///
    /// - Throws: ``HubNodeError`` when a listed row is gone or already changed
    ///   (the plan is stale); the caller's transaction then rolls back.
    public static func apply(_ plan: RetentionPlan, in db: Database) throws {
        for caseID in plan.cases {
            let positions = try Int.fetchAll(
                db,
                sql: "SELECT position FROM case_persons WHERE case_id = ? ORDER BY position",
                arguments: [caseID]
            )
            for position in positions {
                try CaseStore.unlinkPerson(caseID: caseID, position: position, in: db)
            }
            try db.execute(
                sql: "UPDATE cases SET purged_at = ? WHERE id = ? AND purged_at IS NULL",
                arguments: [plan.now, caseID]
            )
            guard db.changesCount == 1 else {
                throw HubNodeError(.conflict, "retention: case \(caseID) changed", detail: .store())
            }
        }
        for hash in plan.inboxSealed + plan.inboxExpired {
            try Inbox.eraseMessage(hash: hash, at: plan.now, in: db)
        }
        for message in plan.outboxSealed {
            try Outbox.eraseMessage(id: message.id, at: plan.now, in: db)
        }
        for key in plan.identityCopies {
            try db.execute(
                sql: "UPDATE referrals SET identity_copy = NULL WHERE sender_oin = ? AND referral_id = ?",
                arguments: [key.sender, key.referralID]
            )
        }
    }
}
