internal import GRDB

extension StoreMigrations {
    /// v4: a copy of a referral's sealed plaintext, encrypted at rest.
    ///
    /// - identity_copy: 0x01 ‖ IV (12) ‖ AES-256-GCM(padded JCS plaintext of
    ///   §7) ‖ tag (16) under the node's at-rest key (see `IdentityVault`),
    ///   AAD = `identity-copy:` ‖ sender_oin ‖ `:` ‖ referral_id. Outgoing
    ///   offers: set when the offer is queued, to re-seal it when the
    ///   receiver answers `unknown_key` (§7); NULL once delivered or finally
    ///   refused. Incoming offers: set on receipt, so the identity stays
    ///   readable after the encryption key it was sealed to is destroyed
    ///   (§7: 37 days after it leaves the descriptor). NULL after a subject
    ///   erasure or retention (§13).
    static func v4(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE referrals ADD COLUMN identity_copy BLOB")
    }
}
