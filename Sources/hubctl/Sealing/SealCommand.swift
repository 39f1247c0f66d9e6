import ArgumentParser
import HubProtocol

/// `hubctl seal`: seals a family's identity to a peer's encryption key (PROTOCOL §7).
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal identity plaintext (JSON on standard input, without \"pad\") into a compact JWE.",
        discussion: "The plaintext is checked against PROTOCOL §7 (BSNs included) before anything is sealed."
    )

    @Option(name: .customLong("to-jwk"), help: "The recipient's EC P-256 encryption key as a JWK file.")
    var toJWK: String

    @Option(name: .long, help: "The sender's OIN (apu).")
    var from: String

    @Option(name: .long, help: "The recipient's OIN (apv).")
    var to: String

    @Option(name: .long, help: "The referral_id the sealed block belongs to.")
    var ref: String

    func run() throws {
        guard OIN.isValid(from) else { throw CommandError("--from: not an OIN (20 digits)") }
        guard OIN.isValid(to) else { throw CommandError("--to: not an OIN (20 digits)") }
        guard HubUUID.isLowercaseUUID(ref) else { throw CommandError("--ref: not a lowercase UUID") }
        let recipient: ECPublicJWK
        do {
            let value = try JSONParser.parse(Input.bytes(from: toJWK, what: "--to-jwk"))
            if let withMetadata = try? ECPublicJWK(json: value, profile: .encryptionKey) {
                recipient = withMetadata
            } else {
                recipient = try ECPublicJWK(json: value, profile: .bare)
            }
        } catch let error as HubProtocolError {
            throw CommandError("--to-jwk: \(error.message)")
        }
        var plaintext = try Input.bytes(from: nil, what: "the plaintext")
        defer { plaintext.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let identity: SealedIdentity
        do {
            let value = try JSONParser.parse(plaintext, options: .strict)
            guard value["pad"] == nil else {
                throw CommandError("the plaintext must not contain \"pad\": seal adds it")
            }
            var decoder = JSONValueDecoder()
            decoder.rootName = "plaintext"
            identity = try decoder.decode(SealedIdentity.self, from: value)
        } catch let error as HubProtocolError {
            throw CommandError("the plaintext is not valid: \(error.message)")
        }
        do {
            print(try identity.seal(to: recipient, senderOIN: from, recipientOIN: to, referralID: ref))
        } catch let error as HubProtocolError {
            throw CommandError("sealing failed: \(error.message)")
        }
    }
}
