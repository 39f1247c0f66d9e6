public import Foundation
public import GRDB

/// One row of `cases`: a family's case at this node, category data only.
public struct CaseRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// Open or closed.
    public enum Status: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case open, closed
    }

    /// How a case ended (PROTOCOL §11 counts these).
    public enum Outcome: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case deEscalated = "de_escalated"
        case stable, escalated
        case referredOn = "referred_on"
        case droppedOut = "dropped_out"
        case transferred
    }

    public static let databaseTableName = "cases"

    /// The case id (lowercase UUID).
    public var id: String
    /// Open or closed.
    public var status: Status
    /// The day it was opened (`YYYY-MM-DD`).
    public var openedOn: String
    /// The day it was closed.
    public var closedOn: String?
    /// How it ended.
    public var outcome: Outcome?
    /// PROTOCOL §9 `entry_phase`.
    public var entryPhase: String
    /// PROTOCOL §9 `help_domains`, as a JSON array.
    public var helpDomains: String
    /// PROTOCOL §9 `referral_source`.
    public var referralSource: String
    /// Veilig Thuis involved.
    public var safetyVeiligThuis: Bool
    /// The child protection board involved.
    public var safetyChildProtectionBoard: Bool
    /// A court involved.
    public var safetyCourt: Bool
    /// The day this node became responsible.
    public var responsibleFrom: String
    /// The sender of the transfer this case was opened for.
    public var originSenderOIN: String?
    /// The referral this case was opened for.
    public var originReferralID: String?
    /// The staff CN who opened it.
    public var createdBy: String
    /// When the row was made.
    public var createdAt: Int64
    /// When the row last changed.
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, status, outcome
        case openedOn = "opened_on"
        case closedOn = "closed_on"
        case entryPhase = "entry_phase"
        case helpDomains = "help_domains"
        case referralSource = "referral_source"
        case safetyVeiligThuis = "safety_veilig_thuis"
        case safetyChildProtectionBoard = "safety_child_protection_board"
        case safetyCourt = "safety_court"
        case responsibleFrom = "responsible_from"
        case originSenderOIN = "origin_sender_oin"
        case originReferralID = "origin_referral_id"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One row of `case_persons`: a pseudonym and an encrypted identity.
public struct CasePersonRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "case_persons"

    /// The case.
    public var caseID: String
    /// The order in which the persons were given.
    public var position: Int
    /// `child` or `parent`.
    public var role: String
    /// PROTOCOL §8 pseudonym with this node's key.
    public var pseudonym: String
    /// A child's age band.
    public var ageBand: String?
    /// The ``IdentityVault`` blob (a BLOB column); nil after retention.
    public var identity: Data?

    enum CodingKeys: String, CodingKey {
        case position, role, pseudonym, identity
        case caseID = "case_id"
        case ageBand = "age_band"
    }
}
