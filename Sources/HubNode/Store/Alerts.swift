public import GRDB

/// Operator alerts over `alerts`. Every function works inside the caller's
/// transaction.
public enum Alerts {
    /// Raises an alert.
    ///
    /// - Returns: the row with its id.
    @discardableResult
    public static func raise(
        _ kind: AlertRow.Kind,
        peer: String? = nil,
        detail: String,
        at now: Int64,
        in db: Database
    ) throws -> AlertRow {
        var row = AlertRow(at: now, kind: kind, peerOIN: peer, detail: detail)
        try row.insert(db)
        return row
    }

    /// Alerts not yet acknowledged, oldest first.
    public static func open(in db: Database) throws -> [AlertRow] {
        try AlertRow.fetchAll(db, sql: "SELECT * FROM alerts WHERE acknowledged = 0 ORDER BY id")
    }

    /// Acknowledges an alert.
    ///
    /// - Throws: ``HubNodeError`` `.notFound` when there is no such alert.
    public static func acknowledge(id: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE alerts SET acknowledged = 1 WHERE id = ?", arguments: [id])
        if db.changesCount == 0 {
            throw HubNodeError(.notFound, "alerts: no alert \(id)", detail: .store())
        }
    }
}
