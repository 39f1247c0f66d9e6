import ArgumentParser
import HubProtocol

/// `hubctl message inspect`: shows what a compact JWS says, without trusting it.
struct MessageInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode a compact JWS: header, payload, signer, hash (nothing is verified)."
    )

    @Argument(help: "The file holding the compact JWS (default: standard input).")
    var file: String?

    func run() throws {
        let compact = try Input.text(from: file, what: "the JWS")
        let jws: CompactJWS
        do {
            jws = try CompactJWS(compact)
        } catch {
            throw CommandError("not a compact JWS: \(error.detail)")
        }
        print("hash:      \(CompactJWS.hash(compact))")
        print("size:      \(compact.utf8.count) bytes")
        guard let header = try? JSONParser.parse(jws.header) else { throw CommandError("the header is not JSON") }
        var shown = header.objectValue ?? [:]
        let x5c = shown["x5c"]?.arrayValue ?? []
        if !x5c.isEmpty { shown["x5c"] = .string("[\(x5c.count) certificate(s), below]") }
        print("header:    \(JCS.string(.object(shown)))")
        for (i, element) in x5c.enumerated() {
            guard let text = element.stringValue, let der = Base64URL.decodeStandard(text),
                let c = try? Certificate(der: der)
            else {
                print("x5c[\(i)]:    (not a certificate)")
                continue
            }
            print("x5c[\(i)]:    subject \(c.subjectDN)")
            print("            issuer \(c.issuerDN)")
            print(
                "            OIN \(c.oin ?? "-"), role \(c.role?.rawValue ?? "-"), valid \(Time.iso(c.notBefore)) .. \(Time.iso(c.notAfter))"
            )
            print("            SPKI SHA-256 \(Hex.encode(c.spkiSHA256))")
        }
        if let payload = try? JSONParser.parse(jws.payload) {
            print("payload:   \(JCS.string(payload))")
            print("canonical: \(JCS.serialize(payload) == jws.payload ? "yes (JCS)" : "no")")
        } else {
            print("payload:   (not JSON, \(jws.payload.count) bytes)")
        }
        print("signature: \(jws.signature.count) bytes")
    }
}

/// Formatting Unix times for people.
enum Time {
    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC.
    static func iso(_ t: Int64) -> String {
        let days = Int(t >= 0 ? t / 86_400 : (t - 86_399) / 86_400)
        let seconds = Int(t - Int64(days) * 86_400)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(CalendarDate(daysSinceEpoch: days))T\(pad(seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))Z"
    }
}
