internal import GRDB

/// The store's schema history: versioned GRDB migrations named "v1", "v2", …
///
/// To change the schema, add a `static func vN(_ db: Database) throws` in a
/// file `StoreMigrations+VN.swift` and register it at the end of
/// ``migrator``. Never edit a migration that has shipped: nodes that already
/// ran it would not run it again. The database is never erased on a schema
/// change; a database that has migrations this code does not know is refused.
enum StoreMigrations {
    /// Every migration, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.eraseDatabaseOnSchemaChange = false
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2", migrate: v2)
        migrator.registerMigration("v3", migrate: v3)
        migrator.registerMigration("v4", migrate: v4)
        migrator.registerMigration("v5", migrate: v5)
        return migrator
    }
}
