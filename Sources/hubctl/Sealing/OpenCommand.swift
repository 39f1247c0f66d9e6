import ArgumentParser
import HubProtocol

/// `hubctl open`: opens a sealed block with the node's encryption key.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open a compact JWE (standard input) with an encryption key and print the plaintext.",
        discussion: """
            With --from, --to and --ref the header's apu, apv and ref must match them.
            The plaintext is personal data: print it only where it may be seen.
            """
    )

    @Option(name: .long, help: "The EC P-256 encryption private key (PEM, mode 0600).")
    var key: String

    @Option(name: .long, help: "The expected sender OIN (apu).")
    var from: String?

    @Option(name: .long, help: "The expected recipient OIN (apv).")
    var to: String?

    @Option(name: .long, help: "The expected referral_id (ref).")
    var ref: String?

    func run() throws {
        let privateKey: P256PrivateKey
        do {
            privateKey = try SecretFile.loadPrivateKey(path: key)
        } catch let error as HubProtocolError {
            throw CommandError("--key: \(error.message)")
        }
        let compact = try Input.text(from: nil, what: "the JWE")
        do {
            let header = try JWE.header(of: compact)
            let kid = ECPublicJWK.thumbprint(of: privateKey.publicKey)
            var plaintext = try JWE.open(
                compact,
                with: privateKey,
                keyID: kid,
                expectedSenderOIN: from ?? header.senderOIN,
                expectedRecipientOIN: to ?? header.recipientOIN,
                expectedRef: ref ?? header.ref
            )
            defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            let identity = try SealedIdentity.parse(plaintext: plaintext)
            // Printed without the padding, in JCS form.
            print(JCS.string(try JSONValueEncoder().encode(identity)))
        } catch let error as HubProtocolError {
            throw CommandError("cannot open: \(error.code): \(error.message)")
        }
    }
}
