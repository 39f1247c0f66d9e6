public import GRDB
public import HubProtocol

/// Step 10 for `referral.offer` (PROTOCOL §4, §7): the body matches its model
/// and, when it carries sealed data, the JWE opens with one of this node's
/// encryption keys, is bound to this message (`apu` = sender, `apv` = this
/// node, `ref` = the referral), and holds a valid §7 plaintext. The
/// plaintext is checked and wiped; case handling is added on top of this.
public struct SealedOfferHandler: MessageHandler {
    let keyring: EncryptionKeyring
    let ownOIN: String

    /// Makes the handler.
    public init(keyring: EncryptionKeyring, ownOIN: String) {
        self.keyring = keyring
        self.ownOIN = ownOIN
    }

    public func handle(_ received: ReceivedMessage, in db: Database) throws(HandlerRejection) {
        _ = try check(received)
    }

    /// The checks of ``handle(_:in:)``; returns the opened identity, or nil
    /// when the offer carries no sealed data. Personal data: never log it.
    public func check(_ received: ReceivedMessage) throws(HandlerRejection) -> SealedIdentity? {
        let offer: ReferralOffer
        do {
            offer = try received.message.body(ReferralOffer.self)
        } catch {
            throw HandlerRejection(error.reason, error.detail)
        }
        guard let sealed = offer.sealed else { return nil }
        return try Self.open(
            sealed,
            keyring: keyring,
            sender: received.message.payload.iss,
            recipient: ownOIN,
            referralID: offer.referralID
        )
    }

    /// Opens and checks a sealed block, mapping failures to reason codes.
    public static func open(
        _ sealed: String,
        keyring: EncryptionKeyring,
        sender: String,
        recipient: String,
        referralID: String
    ) throws(HandlerRejection) -> SealedIdentity {
        do {
            var plaintext = try JWE.open(
                sealed,
                keys: { keyring.privateKey(kid: $0) },
                expectedSenderOIN: sender,
                expectedRecipientOIN: recipient,
                expectedRef: referralID
            )
            defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            return try SealedIdentity.parse(plaintext: plaintext)
        } catch let error as HubProtocolError where error.code == .unknownKey {
            throw HandlerRejection(.unknownKey, "the sealed data is for a key this node does not hold")
        } catch let error as HubProtocolError {
            throw HandlerRejection(.invalidBody, "sealed: \(error.message)")
        } catch {
            throw HandlerRejection(.invalidBody, "sealed data does not open")
        }
    }
}
