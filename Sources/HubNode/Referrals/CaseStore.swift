import Foundation
public import GRDB
import HTTPTypes
public import HubProtocol

/// The case and referral tables as the case service and the message handlers
/// use them. Every function works inside the caller's transaction, so a state
/// change, the messages it causes and its audit entry commit together.
public enum CaseStore {
    /// A person to store with a case.
    public struct Member: Sendable, Hashable {
        /// The person's details (encrypted at rest).
        public var person: SealedIdentity.Person
        /// A child's age band (nil when unknown, and for parents).
        public var ageBand: ReferralOffer.AgeBand?

        /// Makes a member.
        public init(person: SealedIdentity.Person, ageBand: ReferralOffer.AgeBand?) {
            self.person = person
            self.ageBand = ageBand
        }
    }

    /// Inserts a case and its persons, each with this node's pseudonym and an
    /// encrypted identity. A person given twice (same BSN) is stored once.
    @discardableResult
    public static func insertCase(
        _ row: CaseRow,
        members: [Member],
        vault: IdentityVault,
        in db: Database
    ) throws -> [CasePersonRow] {
        try row.insert(db)
        var seen: Set<String> = []
        var rows: [CasePersonRow] = []
        for member in members {
            let pseudonym = vault.pseudonym(for: member.person.bsn)
            guard seen.insert(pseudonym).inserted else { continue }
            let blob = try vault.seal(member.person, caseID: row.id, pseudonym: pseudonym)
            let person = CasePersonRow(
                caseID: row.id,
                position: rows.count,
                role: member.person.role.rawValue,
                pseudonym: pseudonym,
                ageBand: member.person.role == .child ? member.ageBand?.rawValue : nil,
                identity: Data(blob)
            )
            try person.insert(db)
            rows.append(person)
        }
        return rows
    }

    /// The persons of a case, in order.
    public static func persons(caseID: String, in db: Database) throws -> [CasePersonRow] {
        try CasePersonRow.fetchAll(
            db,
            sql: "SELECT * FROM case_persons WHERE case_id = ? ORDER BY position",
            arguments: [caseID]
        )
    }

    /// Unlinks the person at `position` of a case from whoever they are: a
    /// fresh random pseudonym (the row stays, with its role and age band,
    /// for the counts, but links to nobody) and no identity blob. Subject
    /// erase and retention (PROTOCOL §13) both use it.
    public static func unlinkPerson(caseID: String, position: Int, in db: Database) throws {
        let unlinked = Base32.encodeLowercaseNoPad(SecureRandom.bytes(16))
        try db.execute(
            sql: "UPDATE case_persons SET identity = NULL, pseudonym = ? WHERE case_id = ? AND position = ?",
            arguments: [unlinked, caseID, position]
        )
    }

    /// The decrypted persons of a case, in order. Personal data: never log it.
    public static func identities(
        caseID: String,
        vault: IdentityVault,
        in db: Database
    ) throws
        -> [SealedIdentity.Person]
    {
        try persons(caseID: caseID, in: db).compactMap { row in
            guard let blob = row.identity, let role = SealedIdentity.Person.Role(rawValue: row.role) else {
                return nil
            }
            return try vault.open(Array(blob), role: role, caseID: caseID, pseudonym: row.pseudonym)
        }
    }

    /// Signs `body` as a `type` message to `peer` and queues it; the signal
    /// fires when the caller's transaction commits.
    @discardableResult
    public static func send(
        _ type: MessageType,
        body: JSONValue,
        to peer: String,
        identity: NodeIdentity,
        lifetime: Int64,
        now: Int64,
        signal: OutboxSignal,
        in db: Database
    ) throws -> OutboxRow {
        let signed = try identity.signMessage(type: type, body: body, to: peer, at: now, lifetime: lifetime)
        return try Outbox.enqueue(
            OutboxRow(
                destinationOIN: peer,
                type: type.rawValue,
                jti: signed.jti,
                hash: signed.hash,
                jws: signed.jws,
                bodyJSON: JCS.string(body),
                createdAt: now
            ),
            notifying: signal,
            in: db
        )
    }

    /// The identity an incoming offer carried: the copy kept at rest
    /// (`identity_copy`), or else the sealed block of the stored offer
    /// message, opened with this node's keys. Nil when the offer carried
    /// none or it was erased. Throws when neither opens (the key it was
    /// sealed to is gone, or the data was changed). Personal data: never log it.
    static func incomingIdentity(
        _ referral: ReferralRow,
        ownOIN: String,
        keyring: EncryptionKeyring,
        vault: IdentityVault,
        in db: Database
    ) throws -> SealedIdentity? {
        guard referral.direction == .incoming, referral.hasSealed else { return nil }
        if let copy = try Data.fetchOne(
            db,
            sql: "SELECT identity_copy FROM referrals WHERE sender_oin = ? AND referral_id = ?",
            arguments: [referral.senderOIN, referral.referralID]
        ) {
            return try vault.openIdentityCopy(Array(copy), sender: referral.senderOIN, referralID: referral.referralID)
        }
        guard let hash = referral.offerHash, let sealed = try storedOffer(hash: hash, in: db)?.sealed else {
            return nil
        }
        return try SealedOfferHandler.open(
            sealed,
            keyring: keyring,
            sender: referral.senderOIN,
            recipient: ownOIN,
            referralID: referral.referralID
        )
    }

    /// The offer body of a stored incoming message, read from its JWS as
    /// received (it was verified on arrival). Nil when retention erased it.
    public static func storedOffer(hash: String, in db: Database) throws -> ReferralOffer? {
        guard let jws = try Inbox.row(hash: hash, in: db)?.jws else { return nil }
        guard let bytes = try? CompactJWS(jws).payload else {
            throw HubNodeError.refusal(.conflict, .storedOfferUnreadable, "the stored offer message cannot be read")
        }
        let payload = try JSONValueDecoder().decode(MessagePayload.self, from: JSONParser.parse(bytes))
        return try JSONValueDecoder().decode(ReferralOffer.self, from: payload.body)
    }

    /// The category data of an offer: its body without `sealed`, as JCS text.
    public static func category(of offer: ReferralOffer) throws -> String {
        var shared = offer
        shared.sealed = nil
        return JCS.string(try JSONValueEncoder().encode(shared))
    }

    /// The outgoing referral `id` this node sent to `peer`, if any.
    public static func outgoing(id: String, to peer: String, in db: Database) throws -> ReferralRow? {
        try ReferralRow.fetchOne(
            db,
            sql: "SELECT * FROM referrals WHERE referral_id = ? AND direction = 'outgoing' AND peer_oin = ?",
            arguments: [id, peer]
        )
    }

    /// Whether a `referral.withdraw` of referral `id` to `peer` is queued or parked.
    public static func withdrawInOutbox(id: String, to peer: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM outbox WHERE type = 'referral.withdraw' AND destination_oin = ?
                    AND state IN ('queued', 'parked') AND json_extract(body_json, '$.referral_id') = ?)
                """,
            arguments: [peer, id]
        ) ?? false
    }

    /// Appends an audit entry about a case or referral; `details` hold ids
    /// and codes, never a citizen's data.
    public static func audit(
        _ action: String,
        actor: String,
        details: [String: String?],
        at now: Int64,
        in db: Database
    ) throws {
        var members: [String: JSONValue] = [:]
        for (key, value) in details { members[key] = value.map(JSONValue.string) ?? .null }
        try AuditLog.append(.object(members), actor: actor, action: action, at: now, in: db)
    }
}
