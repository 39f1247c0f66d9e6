import ArgumentParser
import HubProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `hubctl message verify`: runs PROTOCOL §4's verification steps and prints the outcome.
struct MessageVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a compact JWS against a federation CA bundle (PROTOCOL §4 steps 1–8).",
        discussion: """
            Prints "ok" and the signer's OIN and hash, or "rejected <reason_code>: <why>" and exits 2.
            Steps 6–8 apply to hub-msg+jws and hub-stats-query+jws; step 7's audience check
            runs only with --aud, and its TLS-peer check only with --tls-peer.
            """
    )

    @Option(name: .long, help: "The federation CA bundle (PEM, self-signed roots).")
    var ca: String

    @Option(name: .long, help: "A CRL (PEM) of one of the CAs; repeatable.")
    var crl: [String] = []

    @Option(name: .long, help: "Verify as at this Unix time (default: now).")
    var at: Int64?

    @Option(name: .long, help: "The expected JOSE typ (default hub-msg+jws).")
    var typ: String = JWSType.message.rawValue

    @Option(name: .long, help: "This node's OIN: aud must equal it.")
    var aud: String?

    @Option(name: .long, help: "The OIN of the TLS client that delivered the message.")
    var tlsPeer: String?

    @Argument(help: "The file holding the compact JWS (default: standard input).")
    var file: String?

    func run() throws {
        guard let typ = JWSType(rawValue: typ) else { throw CommandError("--typ: unknown typ \"\(self.typ)\"") }
        if let aud, !OIN.isValid(aud) { throw CommandError("--aud: not an OIN (20 digits)") }
        if let tlsPeer, !OIN.isValid(tlsPeer) { throw CommandError("--tls-peer: not an OIN (20 digits)") }
        let bundle = try TrustOptions.federationBundle(ca: ca, crls: crl)
        let compact = try Input.text(from: file, what: "the JWS")
        let now = at ?? Int64(time(nil))
        let verifier = JWSVerifier(federation: bundle)
        do {
            let outcome: VerifiedJWS
            if typ == .message || typ == .statsQuery {
                outcome = try verifier.verifyMessage(compact, typ: typ, tlsPeerOIN: tlsPeer, ownOIN: aud, at: now).jws
            } else {
                outcome = try verifier.verify(compact, typ: typ, at: now)
            }
            print("ok \(outcome.signer.oin ?? "-") \(outcome.hash)")
            if outcome.chain.staleCRL {
                printError("warning: a CRL is past its nextUpdate (within the 24 h grace period)")
            }
        } catch {
            print("rejected \(error.reason.rawValue): \(error.detail)")
            throw ExitCode(2)
        }
    }
}

/// Loading trust bundles from files.
enum TrustOptions {
    static func federationBundle(ca: String, crls: [String]) throws -> TrustBundle {
        let roots = try SignerOptions.loading("--ca \(ca)") {
            try Certificate.loadPEMBundle(Input.pem(ca, what: "--ca"))
        }
        let loaded = try crls.map { path in
            try SignerOptions.loading("--crl \(path)") { try CRL(pem: Input.pem(path, what: "--crl")) }
        }
        return try SignerOptions.loading("--ca") { try TrustBundle(roots: roots, crls: loaded) }
    }
}
