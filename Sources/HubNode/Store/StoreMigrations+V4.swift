internal import GRDB

extension StoreMigrations {
    /// v4: the sender's copy of an outgoing offer's sealed plaintext, so the
    /// offer can be re-sealed when the receiver answers `unknown_key`
    /// (PROTOCOL §7).
    ///
    /// - reseal_identity: outgoing offers only, while the offer is queued:
    ///   0x01 ‖ IV (12) ‖ AES-256-GCM(padded JCS plaintext of §7) ‖ tag (16)
    ///   under the node's at-rest key (see `IdentityVault`), AAD =
    ///   `reseal:` ‖ referral_id. Set when the offer is queued; NULL once the
    ///   offer is delivered, and when a person of the case is erased.
    static func v4(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE referrals ADD COLUMN reseal_identity BLOB")
    }
}
