import Foundation
import GRDB
import HTTPTypes
public import HubProtocol

/// The case worker's side of PROTOCOL §9: cases, offers, answers, withdrawals
/// and audited reads of identities.
///
/// Every state change, the messages it causes (signed and queued in the
/// outbox) and its audit entry commit in ONE write transaction; a refused
/// action (a ``HubNodeError`` with ``HubNodeError/Detail/caseService(status:)``)
/// changes nothing. Audit entries name case and referral ids and staff CNs,
/// never a BSN, name or pseudonym.
public final class CaseService: Sendable {
    /// The category data of a case (PROTOCOL §9).
    public struct Categories: Sendable, Hashable {
        /// Where in the relationship the family entered.
        public var entryPhase: ReferralOffer.EntryPhase
        /// What help the family asks for (1–5 distinct).
        public var helpDomains: [ReferralOffer.HelpDomain]
        /// Who referred the family.
        public var referralSource: ReferralOffer.ReferralSource
        /// Which safety bodies are involved.
        public var safety: ReferralOffer.Safety

        /// Makes categories.
        public init(
            entryPhase: ReferralOffer.EntryPhase,
            helpDomains: [ReferralOffer.HelpDomain],
            referralSource: ReferralOffer.ReferralSource,
            safety: ReferralOffer.Safety = .init()
        ) {
            self.entryPhase = entryPhase
            self.helpDomains = helpDomains
            self.referralSource = referralSource
            self.safety = safety
        }
    }

    /// A case with its persons (no identities) and its referrals.
    public struct CaseView: Sendable, Hashable {
        /// The case.
        public var row: CaseRow
        /// Role, age band and position of each person.
        public var persons: [CasePersonRow]
        /// Referrals made from it or for it.
        public var referrals: [ReferralView]
    }

    /// A referral as a case worker sees it.
    public struct ReferralView: Sendable, Hashable {
        /// The row.
        public var row: ReferralRow
        /// Offered and past `respond_by` (display only).
        public var overdue: Bool
    }

    let store: NodeStore
    let state: NodeState
    let vault: IdentityVault
    let keyring: EncryptionKeyring
    let descriptors: DescriptorCache
    let messageLifetime: Int64
    let clock: @Sendable () -> Int64

    /// Makes the service.
    public init(
        store: NodeStore,
        state: NodeState,
        vault: IdentityVault,
        keyring: EncryptionKeyring,
        descriptors: DescriptorCache,
        messageLifetime: Int64,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.store = store
        self.state = state
        self.vault = vault
        self.keyring = keyring
        self.descriptors = descriptors
        self.messageLifetime = messageLifetime
        self.clock = clock
    }

    // MARK: - Cases

    /// Opens a case: pseudonyms with this node's key, identities encrypted.
    ///
    /// Children need an age band, given or computed from the birth date on
    /// `openedOn` (default: today). A person may be given once.
    public func openCase(
        persons members: [CaseStore.Member],
        categories: Categories,
        openedOn: CalendarDate? = nil,
        by actor: String
    ) async throws -> CaseView {
        let now = clock()
        let day = openedOn ?? CaseCalendar.day(at: now)
        try Self.check(categories)
        guard members.count <= 20 else { throw HubNodeError.invalidCaseRequest("a case has at most 20 persons") }
        var completed: [CaseStore.Member] = []
        var bsns: Set<String> = []
        for (i, member) in members.enumerated() {
            guard bsns.insert(member.person.bsn.digits).inserted else {
                throw HubNodeError.refusal(.badRequest, .duplicatePerson, "persons[\(i)] repeats an earlier BSN")
            }
            var member = member
            if member.person.role == .child {
                if member.ageBand == nil, let birth = member.person.birthDate {
                    member.ageBand = CaseCalendar.ageBand(born: birth, on: day)
                    guard member.ageBand != nil else {
                        throw HubNodeError.refusal(.badRequest, .invalidAgeBand, "persons[\(i)] is not a minor")
                    }
                }
                guard member.ageBand != nil else {
                    throw HubNodeError.refusal(
                        .badRequest,
                        .ageBandRequired,
                        "persons[\(i)] is a child without age_band or birth_date"
                    )
                }
            } else if member.ageBand != nil {
                throw HubNodeError.refusal(
                    .badRequest,
                    .invalidAgeBand,
                    "persons[\(i)]: only children have an age band"
                )
            }
            completed.append(member)
        }
        let row = CaseRow(
            id: HubUUID.v7(),
            status: .open,
            openedOn: day.description,
            closedOn: nil,
            outcome: nil,
            entryPhase: categories.entryPhase.rawValue,
            helpDomains: JCS.string(.array(categories.helpDomains.map { .string($0.rawValue) })),
            referralSource: categories.referralSource.rawValue,
            safetyVeiligThuis: categories.safety.veiligThuis,
            safetyChildProtectionBoard: categories.safety.childProtectionBoard,
            safetyCourt: categories.safety.court,
            responsibleFrom: day.description,
            originSenderOIN: nil,
            originReferralID: nil,
            createdBy: actor,
            createdAt: now,
            updatedAt: now
        )
        let (vault, members) = (self.vault, completed)
        let persons = try await store.write { db in
            let persons = try CaseStore.insertCase(row, members: members, vault: vault, in: db)
            try CaseStore.audit(
                "case.open",
                actor: actor,
                details: ["case": row.id, "persons": String(persons.count)],
                at: now,
                in: db
            )
            return persons
        }
        return CaseView(row: row, persons: persons, referrals: [])
    }

    /// Cases, newest first; `status` filters.
    public func listCases(status: CaseRow.Status? = nil) async throws -> [CaseRow] {
        try await store.read { db in
            if let status {
                return try CaseRow.fetchAll(
                    db,
                    sql: "SELECT * FROM cases WHERE status = ? ORDER BY created_at DESC, id DESC",
                    arguments: [status.rawValue]
                )
            }
            return try CaseRow.fetchAll(db, sql: "SELECT * FROM cases ORDER BY created_at DESC, id DESC")
        }
    }

    /// One case with its persons' roles and age bands and its referrals; no identities.
    public func showCase(id: String) async throws -> CaseView {
        let today = CaseCalendar.day(at: clock())
        return try await store.read { db in
            guard let row = try CaseRow.fetchOne(db, key: id) else { throw HubNodeError.unknownCase }
            let referrals = try ReferralRow.fetchAll(
                db,
                sql: "SELECT * FROM referrals WHERE case_id = ? ORDER BY created_at, referral_id",
                arguments: [id]
            )
            return CaseView(
                row: row,
                persons: try CaseStore.persons(caseID: id, in: db),
                referrals: referrals.map { Self.view($0, today: today) }
            )
        }
    }

    /// Closes an open case with an outcome on `closedOn` (default today).
    public func closeCase(
        id: String,
        outcome: CaseRow.Outcome,
        closedOn: CalendarDate? = nil,
        by actor: String
    ) async throws -> CaseRow {
        let now = clock()
        let day = closedOn ?? CaseCalendar.day(at: now)
        return try await store.write { db in
            guard var row = try CaseRow.fetchOne(db, key: id) else { throw HubNodeError.unknownCase }
            guard row.status == .open else { throw HubNodeError.caseClosed }
            guard day.description >= row.openedOn else {
                throw HubNodeError.invalidCaseRequest("closed_on is before the day the case was opened")
            }
            row.status = .closed
            row.closedOn = day.description
            row.outcome = outcome
            row.updatedAt = now
            try row.update(db)
            try CaseStore.audit(
                "case.close",
                actor: actor,
                details: ["case": id, "outcome": outcome.rawValue],
                at: now,
                in: db
            )
            return row
        }
    }

    // MARK: - Referrals (lists)

    /// Referrals in one direction (or both), newest first, with overdue flags.
    public func listReferrals(direction: ReferralRow.Direction? = nil) async throws -> [ReferralView] {
        let today = CaseCalendar.day(at: clock())
        let rows = try await store.read { db in
            if let direction {
                return try ReferralRow.fetchAll(
                    db,
                    sql: "SELECT * FROM referrals WHERE direction = ? ORDER BY created_at DESC, referral_id DESC",
                    arguments: [direction.rawValue]
                )
            }
            return try ReferralRow.fetchAll(
                db,
                sql: "SELECT * FROM referrals ORDER BY created_at DESC, referral_id DESC"
            )
        }
        return rows.map { Self.view($0, today: today) }
    }

    /// One referral.
    public func showReferral(sender: String, id: String) async throws -> ReferralView {
        let today = CaseCalendar.day(at: clock())
        let row = try await store.read { db in try ReferralRow.find(sender: sender, id: id, in: db) }
        guard let row else { throw HubNodeError.unknownReferral }
        return Self.view(row, today: today)
    }

    static func view(_ row: ReferralRow, today: CalendarDate) -> ReferralView {
        let respondBy = CalendarDate(row.respondBy) ?? today
        return ReferralView(row: row, overdue: row.machine.isOverdue(respondBy: respondBy, today: today))
    }

    static func check(_ categories: Categories) throws {
        let domains = categories.helpDomains
        guard (1...5).contains(domains.count), Set(domains).count == domains.count else {
            throw HubNodeError.invalidCaseRequest("help_domains must have 1 to 5 distinct values")
        }
    }
}
