import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// Re-sealing an offer when the receiver answers `unknown_key` (PROTOCOL §7:
/// "the sender re-seals to the current descriptor"). The sender is given a
/// stale descriptor of the receiver, properly signed by the receiver but
/// listing a key the receiver does not hold, as after a key rotation.
@Suite(.serialized) struct ReferralResealTests {
    static let note = "Vader werkt in ploegendienst; bel na 16 uur."

    /// Puts into Zwolle's descriptor cache an Arnhem descriptor, signed by
    /// Arnhem, whose only encryption key Arnhem does not hold; returns its kid.
    static func giveZwolleAStaleDescriptor(_ f: ReferralTestFederation) async throws -> String {
        let forgotten = ECPublicJWK.encryptionKey(try P256PrivateKey().publicKey)
        let stale = DescriptorPublisher(
            contents: .init(
                endpoint: "https://hub.gm0202.example:8443",
                encryptionKeys: [forgotten],
                capabilities: ["referral/1", "methodology/1"]
            )
        )
        let now = NodeClock.now()
        let jws = try stale.descriptor(identity: f.arnhem.state.snapshot.identity, now: now)
        try await f.zwolle.store.write { db in
            try Descriptors.save(
                DescriptorRow(peerOIN: f.arnhem.oin, jws: jws, fetchedAt: now, exp: now + 3600),
                in: db
            )
        }
        return try #require(forgotten.kid)
    }

    /// Opens the family's case at Zwolle and offers it to Arnhem with a note.
    static func offer(_ f: ReferralTestFederation) async throws -> (caseID: String, referralID: String) {
        let opened = try await f.zwolle.cases.openCase(
            persons: try ReferralFlowTests.family(),
            categories: ReferralFlowTests.categories,
            by: ReferralFlowTests.worker
        )
        let offered = try await f.zwolle.cases.offer(
            ReferralFlowTests.offer(opened.row.id, to: "Gemeente Arnhem", note: note),
            by: ReferralFlowTests.worker
        )
        return (opened.row.id, offered.row.referralID)
    }

    static func sealedKid(_ row: OutboxRow) throws -> String {
        let offer = try JSONValueDecoder().decode(ReferralOffer.self, from: JSONParser.parse(row.bodyJSON))
        return try JWE.header(of: try #require(offer.sealed)).kid
    }

    static func resealCopy(_ node: ReferralTestFederation.Node, _ referralID: String) async throws -> Data? {
        try await node.store.read { db in
            try Data.fetchOne(
                db,
                sql: "SELECT identity_copy FROM referrals WHERE referral_id = ?",
                arguments: [referralID]
            )
        }
    }

    @Test func anOfferRefusedWithUnknownKeyIsResealedToTheCurrentKeyAndArrives() async throws {
        try await ReferralTestFederation.with { f in
            let staleKid = try await Self.giveZwolleAStaleDescriptor(f)
            let (_, rid) = try await Self.offer(f)
            let queued = try #require(try f.zwolle.outbox().first)
            #expect(try Self.sealedKid(queued) == staleKid)
            #expect(try await Self.resealCopy(f.zwolle, rid) != nil)

            // Arnhem refuses with unknown_key (transient: it records nothing);
            // Zwolle fetches Arnhem's descriptor again and re-seals in place.
            await f.zwolle.deliver(to: f.arnhem)
            let resealed = try #require(try f.zwolle.outbox().first)
            #expect(try f.zwolle.outbox().count == 1)
            #expect(resealed.id == queued.id && resealed.state == .queued && resealed.attempts == 0)
            #expect(resealed.hash != queued.hash && resealed.jti != queued.jti)
            #expect(try Self.sealedKid(resealed) == f.arnhem.keyring.current.kid)
            #expect(resealed.lastError?.contains("re-sealed") == true)
            #expect(
                try await f.arnhem.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") } == 0
            )
            let audit = try f.zwolle.auditEntries().filter { $0.contains("message.resealed") }
            #expect(audit.count == 1)
            #expect(audit.first?.contains(queued.hash) == true && audit.first?.contains(resealed.hash) == true)
            // The category data did not change: only `sealed` did.
            var before = try JSONParser.parse(queued.bodyJSON).objectValue ?? [:]
            var after = try JSONParser.parse(resealed.bodyJSON).objectValue ?? [:]
            before["sealed"] = nil
            after["sealed"] = nil
            #expect(before == after && !before.isEmpty)

            // The next round delivers it; the copy of the plaintext is gone.
            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.zwolle.outbox(state: .delivered).map(\.hash) == [resealed.hash])
            #expect(try await Self.resealCopy(f.zwolle, rid) == nil)
            let identity = try await f.arnhem.cases.readIdentity(
                sender: f.zwolle.oin,
                id: rid,
                purpose: "intake",
                by: ReferralFlowTests.receiverWorker,
                role: .caseworker
            )
            #expect(identity.note == Self.note)
            #expect(identity.persons.map(\.bsn.digits) == Array(ReferralFlowTests.bsns.prefix(3)))
        }
    }

    @Test func withoutTheCopyTheOfferWaitsAsAnyTransientRejection() async throws {
        try await ReferralTestFederation.with { f in
            _ = try await Self.giveZwolleAStaleDescriptor(f)
            let (_, rid) = try await Self.offer(f)
            // A data-protection officer erases a parent: the copy holding the whole family goes.
            _ = try await SubjectService(cases: f.zwolle.cases).erase(
                try BSN(ReferralFlowTests.bsns[0]),
                by: "Operator"
            )
            #expect(try await Self.resealCopy(f.zwolle, rid) == nil)
            let queued = try #require(try f.zwolle.outbox().first)
            await f.zwolle.deliver(to: f.arnhem)
            let after = try #require(try f.zwolle.outbox().first)
            #expect(after.hash == queued.hash && after.state == .queued && after.attempts == 1)
            #expect(after.lastError?.contains("unknown_key") == true)
            #expect(try f.zwolle.auditEntries().allSatisfy { !$0.contains("message.resealed") })
        }
    }

    @Test func theCopyOpensOnlyForItsOwnReferral() throws {
        let vault = try IdentityVault(pseudonymKey: .generate())
        let identity = SealedIdentity(
            persons: [.init(role: .child, bsn: try BSN(ReferralFlowTests.bsns[2]), givenNames: "Fenneke")],
            note: Self.note
        )
        let (one, other) = (HubUUID.v7(), HubUUID.v7())
        let sender = ReferralTestFederation.zwolleOIN
        let blob = try vault.sealIdentityCopy(identity, sender: sender, referralID: one)
        #expect(try vault.openIdentityCopy(blob, sender: sender, referralID: one) == identity)
        #expect(throws: HubProtocolError.self) { try vault.openIdentityCopy(blob, sender: sender, referralID: other) }
        #expect(throws: HubProtocolError.self) {
            try vault.openIdentityCopy(blob, sender: ReferralTestFederation.arnhemOIN, referralID: one)
        }
        var changed = blob
        changed[changed.count / 2] ^= 1
        #expect(throws: HubProtocolError.self) { try vault.openIdentityCopy(changed, sender: sender, referralID: one) }
        // No plaintext in the blob.
        #expect(!String(decoding: blob, as: UTF8.self).contains("Fenneke"))
    }
}

/// The receiver's side: an incoming offer's identity is kept encrypted at
/// rest on receipt, so it stays readable after the encryption key it was
/// sealed to is destroyed (PROTOCOL §7: 37 days after it leaves the descriptor).
@Suite(.serialized) struct IncomingIdentityCopyTests {
    @Test func aConsultsIdentityOutlivesTheKeyItWasSealedTo() async throws {
        try await ReferralTestFederation.with { f in
            let opened = try await f.zwolle.cases.openCase(
                persons: try ReferralFlowTests.family(),
                categories: ReferralFlowTests.categories,
                by: ReferralFlowTests.worker
            )
            let offered = try await f.zwolle.cases.offer(
                ReferralFlowTests.offer(
                    opened.row.id,
                    to: "Gemeente Arnhem",
                    kind: .consult,
                    identity: true,
                    note: ReferralResealTests.note
                ),
                by: ReferralFlowTests.worker
            )
            await f.zwolle.deliver(to: f.arnhem)
            let rid = offered.row.referralID
            let copy = try #require(
                try await f.arnhem.store.read { db in
                    try Data.fetchOne(
                        db,
                        sql: "SELECT identity_copy FROM referrals WHERE referral_id = ?",
                        arguments: [rid]
                    )
                }
            )
            #expect(!String(decoding: copy, as: UTF8.self).contains("Oosterveld"))
            _ = try await f.arnhem.cases.accept(sender: f.zwolle.oin, id: rid, by: ReferralFlowTests.receiverWorker)

            // Arnhem rotates; long after, the key the consult was sealed to is destroyed.
            let sealedTo = f.arnhem.keyring.current.kid
            let now = NodeClock.now()
            _ = try f.arnhem.keyring.rotate(now: now, descriptorLifetime: 86_400)
            _ = try f.arnhem.keyring.maintain(now: now + 86_400, descriptorLifetime: 86_400)
            let destroyed = try f.arnhem.keyring.maintain(now: now + 86_400 + 38 * 86_400, descriptorLifetime: 86_400)
            #expect(destroyed.destroyed == [sealedTo])
            #expect(f.arnhem.keyring.privateKey(kid: sealedTo) == nil)

            let identity = try await f.arnhem.cases.readIdentity(
                sender: f.zwolle.oin,
                id: rid,
                purpose: "support the father",
                by: ReferralFlowTests.receiverWorker,
                role: .caseworker
            )
            #expect(identity.note == ReferralResealTests.note)
            #expect(identity.persons.map(\.bsn.digits) == Array(ReferralFlowTests.bsns.prefix(3)))

            // A data-protection erasure removes the copy with the stored message.
            _ = try await SubjectService(cases: f.arnhem.cases).erase(
                try BSN(ReferralFlowTests.bsns[0]),
                by: "Operator"
            )
            let copyAfter = try await f.arnhem.store.read { db in
                try Data.fetchOne(
                    db,
                    sql: "SELECT identity_copy FROM referrals WHERE referral_id = ?",
                    arguments: [rid]
                )
            }
            let sealedAfter = try await f.arnhem.store.read { db in
                try Bool.fetchOne(db, sql: "SELECT has_sealed FROM referrals WHERE referral_id = ?", arguments: [rid])
            }
            #expect(copyAfter == nil && sealedAfter == false)
        }
    }
}
