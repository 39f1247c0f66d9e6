import Foundation
import HubProtocol
import Testing

/// `hubctl`'s protocol tools as real processes, against an independent peer
/// written with Python's `cryptography` (Resources/interop.py).
@Suite(.serialized) struct HubctlInteropTests {
    static let senderOIN = "99990000000000000001"
    static let receiverOIN = "99990000000000000002"
    static let referral = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

    let dir: TemporaryDirectory
    let rootPath: String
    let certPath: String
    let keyPath: String
    let encKeyPath: String
    let jwkPath: String
    let encKey: P256PrivateKey

    init() throws {
        dir = try TemporaryDirectory()
        let now = Int64(Date().timeIntervalSince1970)
        let root = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Interop Federation Root", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: now - 86_400,
            notAfter: now + 365 * 86_400
        )
        let nodeKey = try P256PrivateKey()
        let cert = try root.issue(
            .node(
                oin: Self.senderOIN,
                displayName: "Gemeente Zwolle",
                dnsNames: ["hub.zwolle.example"],
                notAfter: now + 30 * 86_400
            ),
            publicKey: nodeKey.publicKey
        )
        rootPath = try dir.write("federation.pem", root.certificate.pem)
        certPath = try dir.write("node.pem", cert.pem)
        keyPath = try dir.write("node.key", nodeKey.pkcs8PEM(), mode: 0o600)
        encKey = try P256PrivateKey()
        encKeyPath = try dir.write("enc.key", encKey.pkcs8PEM(), mode: 0o600)
        jwkPath = try dir.write("enc.jwk", JCS.string(ECPublicJWK.encryptionKey(encKey.publicKey).jsonValue))
    }

    func payload(iat: Int64 = Int64(Date().timeIntervalSince1970)) -> String {
        """
        {"v":1,"type":"referral.accept","jti":"\(HubUUID.v7())","iss":"\(Self.senderOIN)","aud":"\(Self.receiverOIN)",
         "iat":\(iat),"exp":\(iat + 3600),"body":{"referral_id":"\(Self.referral)"}}
        """
    }

    @Test func hubctlSignedJWSVerifiesInPython() throws {
        let signed = try ProcessRunner.hubctl(
            ["message", "sign", "--cert", certPath, "--key", keyPath],
            stdin: payload()
        )
        #expect(signed.status == 0, "\(signed.stderr)")
        let compact = signed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let python = try ProcessRunner.python(["verify-jws", "--typ", "hub-msg+jws"], stdin: compact)
        #expect(python.status == 0, "\(python.stderr)")
        #expect(python.stdout.contains("\"aud\":\"\(Self.receiverOIN)\""))
        // And hubctl agrees with itself.
        let verified = try ProcessRunner.hubctl(
            ["message", "verify", "--ca", rootPath, "--aud", Self.receiverOIN],
            stdin: compact
        )
        #expect(
            verified.status == 0 && verified.stdout.hasPrefix("ok \(Self.senderOIN) "),
            "\(verified.stdout)\(verified.stderr)"
        )
    }

    @Test func pythonSignedJWSVerifiesWithHubctl() throws {
        let python = try ProcessRunner.python(
            ["sign-jws", "--cert", certPath, "--key", keyPath, "--typ", "hub-msg+jws"],
            stdin: payload()
        )
        #expect(python.status == 0, "\(python.stderr)")
        let compact = python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let ok = try ProcessRunner.hubctl(
            ["message", "verify", "--ca", rootPath, "--aud", Self.receiverOIN],
            stdin: compact
        )
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains(CompactJWS.hash(compact)))

        // The same object refused for the reasons PROTOCOL §4 gives.
        var parts = compact.split(separator: ".").map(String.init)
        parts[2] = String(parts[2].reversed())
        let tampered = try ProcessRunner.hubctl(
            ["message", "verify", "--ca", rootPath],
            stdin: parts.joined(separator: ".")
        )
        #expect(tampered.status == 2 && tampered.stdout.hasPrefix("rejected "), "\(tampered.stdout)")
        let wrongAudience = try ProcessRunner.hubctl(
            ["message", "verify", "--ca", rootPath, "--aud", Self.senderOIN],
            stdin: compact
        )
        #expect(
            wrongAudience.status == 2 && wrongAudience.stdout.hasPrefix("rejected wrong_audience"),
            "\(wrongAudience.stdout)"
        )
        let later = Int64(Date().timeIntervalSince1970) + 2 * 86_400
        let expired = try ProcessRunner.hubctl(
            ["message", "verify", "--ca", rootPath, "--at", "\(later)"],
            stdin: compact
        )
        #expect(expired.status == 2 && expired.stdout.hasPrefix("rejected expired"), "\(expired.stdout)")
        let stranger = try dir.write(
            "stranger.pem",
            CertificateAuthority.selfSignedRoot(
                subject: CertificateSubject(commonName: "Stranger"),
                key: P256PrivateKey(),
                notAfter: later
            ).certificate.pem
        )
        let untrusted = try ProcessRunner.hubctl(["message", "verify", "--ca", stranger], stdin: compact)
        #expect(
            untrusted.status == 2 && untrusted.stdout.hasPrefix("rejected untrusted_certificate"),
            "\(untrusted.stdout)"
        )

        let inspect = try ProcessRunner.hubctl(["message", "inspect"], stdin: compact)
        #expect(
            inspect.status == 0 && inspect.stdout.contains("OIN \(Self.senderOIN)")
                && inspect.stdout.contains("canonical: yes")
        )
    }

    static let identity = """
        {"persons":[{"role":"parent","bsn":"111222333","given_names":"Anna","family_name":"Jansen"},
                    {"role":"child","bsn":"123456782","birth_date":"2015-06-01"}],"note":"Warme overdracht gewenst."}
        """

    @Test func hubctlSealOpensInPython() throws {
        let sealed = try ProcessRunner.hubctl(
            ["seal", "--to-jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", Self.referral],
            stdin: Self.identity
        )
        #expect(sealed.status == 0, "\(sealed.stderr)")
        let jwe = sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let opened = try ProcessRunner.python(
            ["open", "--key", encKeyPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", Self.referral],
            stdin: jwe
        )
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.utf8.count % 1024 == 0)
        let value = try JSONParser.parse(Array(opened.stdout.utf8))
        #expect(value["persons"]?.arrayValue?.count == 2)
        #expect(value["pad"]?.stringValue?.allSatisfy { $0 == " " } == true)
        // The wrong referral does not open.
        let wrongRef = try ProcessRunner.python(
            ["open", "--key", encKeyPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", HubUUID.v4()],
            stdin: jwe
        )
        #expect(wrongRef.status != 0)
    }

    @Test func pythonSealOpensWithHubctl() throws {
        let sealed = try ProcessRunner.python(
            ["seal", "--jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", Self.referral],
            stdin: Self.identity
        )
        #expect(sealed.status == 0, "\(sealed.stderr)")
        let jwe = sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let opened = try ProcessRunner.hubctl(
            ["open", "--key", encKeyPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", Self.referral],
            stdin: jwe
        )
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.contains("\"bsn\":\"111222333\"") && opened.stdout.contains("Warme overdracht"))
        // A third party's key cannot open it.
        let other = try dir.write("other.key", P256PrivateKey().pkcs8PEM(), mode: 0o600)
        let refused = try ProcessRunner.hubctl(["open", "--key", other], stdin: jwe)
        #expect(refused.status != 0 && refused.stderr.contains("unknown_key"), "\(refused.stderr)")
        // Tampering with any part makes opening fail.
        var parts = jwe.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[3] = String(parts[3].dropLast()) + (parts[3].last == "A" ? "B" : "A")
        let tampered = try ProcessRunner.hubctl(["open", "--key", encKeyPath], stdin: parts.joined(separator: "."))
        #expect(tampered.status != 0 && tampered.stderr.contains("invalid_body"), "\(tampered.stderr)")
    }

    @Test func bsnAndPseudonymTools() throws {
        let check = try ProcessRunner.hubctl(["bsn", "check"], stdin: "111222333\n12345672\n123456789\n000000000\n")
        #expect(check.status == 1)
        #expect(check.stdout.components(separatedBy: "\n").filter { $0.contains(": valid") }.count == 2)
        #expect(check.stdout.contains("line 3: invalid: the number fails the 11-proof"))
        #expect(!check.stdout.contains("123456789"), "the output names lines, not numbers")
        let allValid = try ProcessRunner.hubctl(["bsn", "check"], stdin: "111222333\n")
        #expect(allValid.status == 0)

        let key = PseudonymKey.generate()
        let keyFile = dir.url.appendingPathComponent("pseudonym.key").path
        try key.write(path: keyFile)
        let pseudonyms = try ProcessRunner.hubctl(["pseudonym", "--key", keyFile], stdin: "111222333\n12345672\n")
        #expect(pseudonyms.status == 0)
        #expect(
            pseudonyms.stdout
                == "\(key.pseudonym(for: try BSN("111222333")))\n\(key.pseudonym(for: try BSN("012345672")))\n"
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        let open = try ProcessRunner.hubctl(["pseudonym", "--key", keyFile], stdin: "111222333\n")
        #expect(open.status != 0 && open.stderr.contains("chmod 600"))
    }

    /// Bad input to every tool: a one-line error naming the problem, a non-zero exit, never a crash.
    @Test func badInputGivesOneLineErrors() throws {
        let cases: [(args: [String], stdin: String, phrase: String)] = [
            (["message", "sign", "--cert", certPath, "--key", keyPath], "{not json", "not valid JSON"),
            (["message", "sign", "--cert", certPath, "--key", keyPath], "[1,2]", "must be a JSON object"),
            (["message", "sign", "--cert", certPath, "--key", rootPath], "{}", "key"),
            (["message", "sign", "--cert", "/nonexistent.pem", "--key", keyPath], "{}", "/nonexistent.pem"),
            (["message", "sign", "--cert", keyPath, "--key", keyPath], "{}", "--cert"),
            (["message", "sign", "--cert", certPath, "--key", keyPath, "--typ", "jwt"], "{}", "--typ"),
            (["message", "verify", "--ca", rootPath], "garbage", "rejected malformed"),
            (["message", "verify", "--ca", certPath], "a.b.c", "self-signed"),
            (["message", "verify", "--ca", rootPath, "--aud", "123"], "a.b.c", "--aud"),
            (["message", "verify", "--ca", rootPath, "--crl", rootPath], "a.b.c", "CRL"),
            (["message", "inspect"], "not a jws", "not a compact JWS"),
            (
                ["seal", "--to-jwk", jwkPath, "--from", "1", "--to", Self.receiverOIN, "--ref", Self.referral], "{}",
                "--from"
            ),
            (
                ["seal", "--to-jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", "x"], "{}",
                "--ref"
            ),
            (
                [
                    "seal", "--to-jwk", certPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref",
                    Self.referral,
                ], "{}", "--to-jwk"
            ),
            (
                [
                    "seal", "--to-jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref",
                    Self.referral,
                ],
                "{\"persons\":[{\"role\":\"parent\",\"bsn\":\"111222334\"}],\"note\":null}", "11-proof"
            ),
            (
                [
                    "seal", "--to-jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref",
                    Self.referral,
                ],
                "{\"persons\":[{\"role\":\"parent\",\"bsn\":\"111222333\"}],\"note\":null,\"pad\":\" \"}", "pad"
            ),
            (["open", "--key", encKeyPath], "a.b.c.d.e", "cannot open"),
            (["open", "--key", "/nonexistent.key"], "", "--key"),
            (["bsn", "check"], "", "no BSNs"),
            (["pseudonym", "--key", "/nonexistent"], "111222333\n", "--key"),
            (["message", "frobnicate"], "", "frobnicate"),
        ]
        for c in cases {
            let result = try ProcessRunner.hubctl(c.args, stdin: c.stdin)
            let all = result.stdout + result.stderr
            #expect(result.status != 0, "\(c.args) exited 0")
            #expect(all.contains(c.phrase), "\(c.args): \(all)")
            for crash in ["Fatal error", "Stack dump", "Backtrace", "Illegal instruction", "Segmentation"] {
                #expect(!all.contains(crash), "\(c.args) crashed: \(all)")
            }
            if !c.args.contains("verify") && c.args.first != "message" || c.args.contains("sign") {
                let lines = result.stderr.split(separator: "\n").filter {
                    !$0.isEmpty && !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help")
                }
                #expect(lines.count <= 1, "\(c.args): \(result.stderr)")
            }
        }
        // No BSN ever appears in an error about it.
        let bad = try ProcessRunner.hubctl(
            ["seal", "--to-jwk", jwkPath, "--from", Self.senderOIN, "--to", Self.receiverOIN, "--ref", Self.referral],
            stdin: "{\"persons\":[{\"role\":\"parent\",\"bsn\":\"111222334\"}],\"note\":null}"
        )
        #expect(!(bad.stdout + bad.stderr).contains("111222334"))
    }
}
