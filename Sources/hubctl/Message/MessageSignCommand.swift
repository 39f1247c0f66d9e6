import ArgumentParser
import HubProtocol

/// `hubctl message sign`: JSON payload → compact JWS.
struct MessageSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a JSON payload (JCS, ES256) and print the compact JWS.",
        discussion: "The payload is signed as given, after JCS serialisation, so test peers can craft any payload."
    )

    @Option(
        name: .long,
        help: "The signer's certificate (PEM); extra certificates after the first are used as the chain."
    )
    var cert: String

    @Option(name: .long, help: "The signer's EC P-256 private key (PEM, mode 0600).")
    var key: String

    @Option(name: .long, help: "Intermediate CA certificates (PEM) to put in x5c after the leaf.")
    var chain: String?

    @Option(
        name: .long,
        help:
            "The JOSE typ: hub-msg+jws, hub-receipt+jws, hub-descriptor+jws, hub-stats-query+jws, hub-stats-result+jws."
    )
    var typ: String = JWSType.message.rawValue

    @Argument(help: "The payload JSON file (default: standard input).")
    var file: String?

    func run() throws {
        guard let typ = JWSType(rawValue: typ) else { throw CommandError("--typ: unknown typ \"\(self.typ)\"") }
        let signer = try SignerOptions.load(cert: cert, key: key, chain: chain)
        let text = try Input.bytes(from: file, what: "the payload")
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(text)
        } catch let error as HubProtocolError {
            throw CommandError("the payload is not valid JSON: \(error.message)")
        }
        guard payload.objectValue != nil else { throw CommandError("the payload must be a JSON object") }
        do {
            print(try signer.sign(payload, typ: typ))
        } catch let error as HubProtocolError {
            throw CommandError("signing failed: \(error.message)")
        }
    }
}

/// Loading a signer from certificate and key files.
enum SignerOptions {
    static func load(cert: String, key: String, chain: String?) throws -> JWSSigner {
        var certificates = try loading("--cert \(cert)") {
            try Certificate.loadPEMBundle(Input.pem(cert, what: "--cert"))
        }
        if let chain {
            certificates += try loading("--chain \(chain)") {
                try Certificate.loadPEMBundle(Input.pem(chain, what: "--chain"))
            }
        }
        // The root is omitted from x5c.
        if certificates.count > 1, let last = certificates.last, last.isSelfSigned { certificates.removeLast() }
        let privateKey = try loading("--key \(key)") { try SecretFile.loadPrivateKey(path: key) }
        return try loading("--cert/--key") { try JWSSigner(key: privateKey, chain: certificates) }
    }

    /// Runs `body`, turning a protocol error into a one-line error that names `what`.
    static func loading<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HubProtocolError {
            throw CommandError("\(what): \(error.message)")
        }
    }
}
