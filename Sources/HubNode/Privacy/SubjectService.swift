import Foundation
import GRDB
public import HubProtocol

/// A data-protection officer's duties for one person (role `operator`):
/// find, export and erase everything the node holds on them by BSN. Every
/// action is audited with case and referral ids and counts, never the BSN, a
/// name or a pseudonym.
public struct SubjectService: Sendable {
    /// The case service whose store, keys and clock this works with.
    let cases: CaseService
    var store: NodeStore { cases.store }
    var state: NodeState { cases.state }
    var vault: IdentityVault { cases.vault }
    var keyring: EncryptionKeyring { cases.keyring }
    var clock: @Sendable () -> Int64 { cases.clock }

    /// Makes the service over the node's case service.
    public init(cases: CaseService) {
        self.cases = cases
    }

    /// Where a person appears.
    struct Holdings {
        /// (case id, position, role) in this node's cases.
        var casePersons: [(caseID: String, position: Int, role: String)] = []
        /// Incoming offers whose sealed block names them: (sender, referral id, inbox hash).
        var sealedOffers: [(sender: String, referralID: String, hash: String)] = []
        /// Referrals about the cases found.
        var referrals: [ReferralRow] = []
    }

    func holdings(of bsn: BSN, in db: Database) throws -> Holdings {
        var found = Holdings()
        let pseudonym = vault.pseudonym(for: bsn)
        for row in try Row.fetchAll(
            db,
            sql: "SELECT case_id, position, role FROM case_persons WHERE pseudonym = ? ORDER BY case_id",
            arguments: [pseudonym]
        ) {
            found.casePersons.append((row["case_id"], row["position"], row["role"]))
        }
        let ownOIN = state.snapshot.identity.oin
        let incoming = try ReferralRow.fetchAll(
            db,
            sql: "SELECT * FROM referrals WHERE direction = 'incoming' AND has_sealed = 1 AND offer_hash IS NOT NULL"
        )
        for referral in incoming {
            guard let hash = referral.offerHash,
                let identity = try? CaseStore.incomingIdentity(
                    referral,
                    ownOIN: ownOIN,
                    keyring: keyring,
                    vault: vault,
                    in: db
                )
            else { continue }
            if identity.persons.contains(where: { $0.bsn == bsn }) {
                found.sealedOffers.append((referral.senderOIN, referral.referralID, hash))
            }
        }
        let caseIDs = Set(found.casePersons.map(\.caseID))
        if !caseIDs.isEmpty {
            found.referrals = try ReferralRow.fetchAll(
                db,
                sql: "SELECT * FROM referrals WHERE case_id IN (\(databaseQuestionMarks(count: caseIDs.count)))",
                arguments: StatementArguments(Array(caseIDs))
            )
        }
        return found
    }

    /// Where the person appears (ids only).
    public func find(_ bsn: BSN, by actor: String) async throws -> JSONValue {
        let now = clock()
        return try await store.write { db in
            let found = try holdings(of: bsn, in: db)
            let summary = Self.summary(found)
            try AuditLog.append(Self.auditDetails(found), actor: actor, action: "subject.find", at: now, in: db)
            return summary
        }
    }

    /// Everything held on the person, decrypted: their identity per case, the
    /// cases' category data and referrals, and sealed offers naming them.
    public func export(_ bsn: BSN, by actor: String) async throws -> JSONValue {
        let now = clock()
        let ownOIN = state.snapshot.identity.oin
        return try await store.write { db in
            let found = try holdings(of: bsn, in: db)
            var cases: [JSONValue] = []
            for entry in found.casePersons {
                guard let caseRow = try CaseRow.fetchOne(db, key: entry.caseID) else { continue }
                let person = try CaseStore.identities(caseID: entry.caseID, vault: vault, in: db).first {
                    $0.bsn == bsn
                }
                cases.append(
                    .object([
                        "case": CaseworkerViews.json(caseRow), "role": .string(entry.role),
                        "identity": try person.map { try JSONValueEncoder().encode($0) } ?? .null,
                    ])
                )
            }
            var offers: [JSONValue] = []
            for offer in found.sealedOffers {
                guard let referral = try ReferralRow.find(sender: offer.sender, id: offer.referralID, in: db),
                    let identity = try? CaseStore.incomingIdentity(
                        referral,
                        ownOIN: ownOIN,
                        keyring: keyring,
                        vault: vault,
                        in: db
                    ),
                    let person = identity.persons.first(where: { $0.bsn == bsn })
                else { continue }
                offers.append(
                    .object([
                        "sender": .string(offer.sender), "referral_id": .string(offer.referralID),
                        "identity": try JSONValueEncoder().encode(person),
                    ])
                )
            }
            try AuditLog.append(Self.auditDetails(found), actor: actor, action: "subject.export", at: now, in: db)
            return .object([
                "cases": .array(cases), "sealed_offers": .array(offers),
                "referrals": .array(
                    found.referrals.map {
                        .object([
                            "sender": .string($0.senderOIN), "referral_id": .string($0.referralID),
                            "state": .string($0.state), "kind": .string($0.kind),
                        ])
                    }
                ),
            ])
        }
    }

    /// Erases the person: their identity and pseudonym in every case (the
    /// category data that statistics count stays, anonymous), and every
    /// stored offer message whose sealed block names them (its hash and
    /// receipt stay, PROTOCOL §13).
    public func erase(_ bsn: BSN, by actor: String) async throws -> JSONValue {
        let now = clock()
        return try await store.write { db in
            let found = try holdings(of: bsn, in: db)
            for entry in found.casePersons {
                try CaseStore.unlinkPerson(caseID: entry.caseID, position: entry.position, in: db)
            }
            // The copies kept for re-sealing outgoing offers hold the whole family: they go.
            for caseID in Set(found.casePersons.map(\.caseID)) {
                try db.execute(
                    sql: """
                        UPDATE referrals SET identity_copy = NULL
                        WHERE direction = 'outgoing' AND case_id = ? AND identity_copy IS NOT NULL
                        """,
                    arguments: [caseID]
                )
            }
            for offer in found.sealedOffers {
                try Inbox.eraseMessage(hash: offer.hash, at: now, in: db)
                try db.execute(
                    sql: """
                        UPDATE referrals SET has_sealed = 0, identity_copy = NULL
                        WHERE sender_oin = ? AND referral_id = ?
                        """,
                    arguments: [offer.sender, offer.referralID]
                )
            }
            let summary = Self.summary(found)
            try AuditLog.append(Self.auditDetails(found), actor: actor, action: "subject.erase", at: now, in: db)
            return summary
        }
    }

    static func summary(_ found: Holdings) -> JSONValue {
        .object([
            "cases": .array(
                found.casePersons.map { .object(["case_id": .string($0.caseID), "role": .string($0.role)]) }
            ),
            "sealed_offers": .array(
                found.sealedOffers.map {
                    .object(["sender": .string($0.sender), "referral_id": .string($0.referralID)])
                }
            ),
            "referrals": .array(
                found.referrals.map {
                    .object(["sender": .string($0.senderOIN), "referral_id": .string($0.referralID)])
                }
            ),
        ])
    }

    static func auditDetails(_ found: Holdings) -> JSONValue {
        .object([
            "cases": .array(found.casePersons.map { .string($0.caseID) }),
            "sealed_offers": .array(found.sealedOffers.map { .string($0.referralID) }),
        ])
    }
}
