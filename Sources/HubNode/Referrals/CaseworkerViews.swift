import HubProtocol

/// The JSON the case workers' endpoints answer with (docs/openapi.yaml).
/// Cases and referrals carry category data and ids only: identities appear
/// only in an audited read.
enum CaseworkerViews {
    static func json(_ row: CaseRow) -> JSONValue {
        .object([
            "id": .string(row.id), "status": .string(row.status.rawValue), "opened_on": .string(row.openedOn),
            "closed_on": row.closedOn.map(JSONValue.string) ?? .null,
            "outcome": row.outcome.map { .string($0.rawValue) } ?? .null,
            "entry_phase": .string(row.entryPhase),
            "help_domains": (try? JSONParser.parse(row.helpDomains)) ?? .array([]),
            "referral_source": .string(row.referralSource),
            "safety": .object([
                "veilig_thuis": .bool(row.safetyVeiligThuis),
                "child_protection_board": .bool(row.safetyChildProtectionBoard), "court": .bool(row.safetyCourt),
            ]),
            "responsible_from": .string(row.responsibleFrom),
            "origin": row.originSenderOIN.map { sender in
                .object(["sender": .string(sender), "referral_id": row.originReferralID.map(JSONValue.string) ?? .null])
            } ?? .null,
            "created_by": .string(row.createdBy),
        ])
    }

    static func json(_ view: CaseService.CaseView) -> JSONValue {
        guard case .object(var members) = json(view.row) else { return .null }
        members["persons"] = .array(
            view.persons.map {
                .object([
                    "position": .integer(Int64($0.position)), "role": .string($0.role),
                    "age_band": $0.ageBand.map(JSONValue.string) ?? .null,
                ])
            }
        )
        members["referrals"] = .array(view.referrals.map(json))
        return .object(members)
    }

    static func json(_ view: CaseService.ReferralView) -> JSONValue {
        let row = view.row
        let display = row.tooLate ? "too late" : view.overdue ? "overdue" : row.state
        return .object([
            "sender": .string(row.senderOIN), "referral_id": .string(row.referralID),
            "direction": .string(row.direction.rawValue), "peer": .string(row.peerOIN),
            "case_id": row.caseID.map(JSONValue.string) ?? .null, "kind": .string(row.kind),
            "category": (try? JSONParser.parse(row.category)) ?? .null,
            "effective_date": .string(row.effectiveDate), "respond_by": .string(row.respondBy),
            "priority": .string(row.priority), "sealed": .bool(row.hasSealed), "state": .string(row.state),
            "display_state": .string(display), "overdue": .bool(view.overdue),
            "reason": row.reason.map(JSONValue.string) ?? .null, "withdraw_pending": .bool(row.withdrawPending),
            "withdraw_reason": row.withdrawReason.map(JSONValue.string) ?? .null, "too_late": .bool(row.tooLate),
            "created_at": .integer(row.createdAt), "updated_at": .integer(row.updatedAt),
        ])
    }
}
