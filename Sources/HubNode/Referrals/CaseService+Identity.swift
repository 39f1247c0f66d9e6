import Foundation
import GRDB
import HTTPTypes
public import HubProtocol

extension CaseService {
    /// Reads the identities of a case's persons. Only a case worker may, with
    /// a purpose of 1–200 characters; the read is audited (who, which case,
    /// purpose, when) in the same transaction, so an unaudited read cannot
    /// happen. Personal data: never log the result.
    public func readIdentity(
        caseID: String,
        purpose: String,
        by actor: String,
        role: Role
    ) async throws
        -> [SealedIdentity.Person]
    {
        let purpose = try Self.checkRead(purpose: purpose, role: role)
        let now = clock()
        let vault = self.vault
        return try await store.write { db in
            guard try CaseRow.fetchOne(db, key: caseID) != nil else { throw HubNodeError.unknownCase }
            let persons = try CaseStore.identities(caseID: caseID, vault: vault, in: db)
            try CaseStore.audit(
                "identity.read",
                actor: actor,
                details: ["case": caseID, "purpose": purpose],
                at: now,
                in: db
            )
            return persons
        }
    }

    /// Reads the identity behind a referral: for an incoming one, its sealed
    /// block (opened with this node's keys) or, without one, the case opened
    /// for it; for an outgoing one, the persons of the case offered. Audited
    /// like ``readIdentity(caseID:purpose:by:role:)``.
    public func readIdentity(
        sender: String,
        id: String,
        purpose: String,
        by actor: String,
        role: Role
    ) async throws -> SealedIdentity {
        let purpose = try Self.checkRead(purpose: purpose, role: role)
        let now = clock()
        let ownOIN = state.snapshot.identity.oin
        let (vault, keyring) = (vault, keyring)
        return try await store.write { db in
            guard let row = try ReferralRow.find(sender: sender, id: id, in: db) else {
                throw HubNodeError.unknownReferral
            }
            let identity: SealedIdentity
            if row.direction == .incoming, row.hasSealed {
                let opened: SealedIdentity?
                do {
                    opened = try CaseStore.incomingIdentity(
                        row,
                        ownOIN: ownOIN,
                        keyring: keyring,
                        vault: vault,
                        in: db
                    )
                } catch {
                    throw HubNodeError.refusal(.notFound, .identityUnavailable, "the sealed identity no longer opens")
                }
                guard let opened else {
                    throw HubNodeError.refusal(
                        .notFound,
                        .identityUnavailable,
                        "the sealed identity is no longer stored"
                    )
                }
                identity = opened
            } else if let caseID = row.caseID {
                identity = SealedIdentity(
                    persons: try CaseStore.identities(caseID: caseID, vault: vault, in: db),
                    note: nil
                )
            } else {
                throw HubNodeError.refusal(.notFound, .identityUnavailable, "this referral carries no identity")
            }
            try CaseStore.audit(
                "identity.read",
                actor: actor,
                details: ["referral": id, "sender": sender, "case": row.caseID, "purpose": purpose],
                at: now,
                in: db
            )
            return identity
        }
    }

    static func checkRead(purpose: String, role: Role) throws -> String {
        guard role == .caseworker else {
            throw HubNodeError.refusal(.forbidden, .roleNotAllowed, "only a case worker reads identities")
        }
        let trimmed = purpose.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.unicodeScalars.count) else {
            throw HubNodeError.refusal(.badRequest, .purposeRequired, "a purpose of 1 to 200 characters is required")
        }
        return trimmed
    }
}
