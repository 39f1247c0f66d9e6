import Foundation
import Testing

@testable import HubProtocol

/// PROTOCOL §4 steps 1–8: every reason code this layer can detect, provoked.
@Suite struct JWSTests {
    let pki: SigningFixture
    let verifier: JWSVerifier
    let now = SigningFixture.now

    init() throws {
        pki = try SigningFixture()
        verifier = JWSVerifier(federation: pki.bundle)
    }

    func verify(
        _ compact: String,
        tlsPeer: String? = SigningFixture.oinA,
        typ: JWSType = .message
    ) -> Result<VerifiedMessage, JWSFailure> {
        do {
            return .success(
                try verifier.verifyMessage(compact, typ: typ, tlsPeerOIN: tlsPeer, ownOIN: SigningFixture.oinB, at: now)
            )
        } catch {
            return .failure(error)
        }
    }

    func expect(
        _ compact: String,
        _ reason: ReceiptReason,
        tlsPeer: String? = SigningFixture.oinA,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch verify(compact, tlsPeer: tlsPeer) {
        case .success: Issue.record("accepted, expected \(reason.rawValue)", sourceLocation: sourceLocation)
        case .failure(let f): #expect(f.reason == reason, "\(f)", sourceLocation: sourceLocation)
        }
    }

    /// Signs arbitrary header and payload bytes with A's key.
    func raw(header: String, payload: String, key: P256PrivateKey? = nil) throws -> String {
        try CompactJWS.signES256(header: Array(header.utf8), payload: Array(payload.utf8), with: key ?? pki.signerA.key)
    }

    var goodHeader: String { JCS.string(pki.signerA.header(typ: .message)) }
    var goodPayload: String { JCS.string(.object(SigningFixture.messagePayload())) }

    @Test func validMessageVerifies() throws {
        let compact = try pki.signerA.sign(.object(SigningFixture.messagePayload()), typ: .message)
        let verified = try verify(compact).get()
        #expect(verified.payload.iss == SigningFixture.oinA)
        #expect(verified.jws.signer.oin == SigningFixture.oinA)
        #expect(verified.hash == CompactJWS.hash(compact))
        #expect(try verified.body(ReferralRef.self).referralID == "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")
        // Chain of one (B is issued by the root directly).
        let fromB = try pki.signerB.sign(
            .object(SigningFixture.messagePayload(iss: SigningFixture.oinB, aud: SigningFixture.oinB)),
            typ: .message
        )
        #expect((try? verify(fromB, tlsPeer: SigningFixture.oinB).get()) != nil)
    }

    @Test func step1Malformed() throws {
        let good = try pki.signerA.sign(.object(SigningFixture.messagePayload()), typ: .message)
        let parts = good.split(separator: ".").map(String.init)
        expect(parts[0] + "." + parts[1], .malformed)
        expect(good + ".", .malformed)
        expect(parts[0] + "=." + parts[1] + "." + parts[2], .malformed)
        expect(parts[0] + "." + parts[1] + "." + parts[2] + "==", .malformed)
        expect(parts[0] + "." + parts[1] + "+." + parts[2], .malformed)
        // Non-zero trailing bits: the 64-byte signature is 86 characters, 4 bits spare.
        var sig = Array(parts[2])
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: sig[85])!
        sig[85] = alphabet[index ^ 1]
        expect(parts[0] + "." + parts[1] + "." + String(sig), .malformed)
        let huge = parts[0] + "." + String(repeating: "A", count: CompactJWS.maxSize) + "." + parts[2]
        expect(huge, .malformed)
    }

    @Test func step2HeaderRules() throws {
        let x5c = JCS.string(pki.signerA.header(typ: .message)["x5c"]!)
        expect(try raw(header: "not json", payload: goodPayload), .malformed)
        expect(try raw(header: "[1]", payload: goodPayload), .malformed)
        expect(
            try raw(
                header: "{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":\(x5c)}",
                payload: goodPayload
            ),
            .malformed
        )
        expect(
            try raw(
                header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":\(x5c),\"kid\":\"k\"}",
                payload: goodPayload
            ),
            .badHeader
        )
        expect(try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\"}", payload: goodPayload), .badHeader)
        expect(
            try raw(header: "{\"alg\":\"ES384\",\"typ\":\"hub-msg+jws\",\"x5c\":\(x5c)}", payload: goodPayload),
            .badHeader
        )
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-receipt+jws\",\"x5c\":\(x5c)}", payload: goodPayload),
            .badHeader
        )
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"HUB-MSG+JWS\",\"x5c\":\(x5c)}", payload: goodPayload),
            .badHeader
        )
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[]}", payload: goodPayload),
            .badHeader
        )
        let leaf = "\"" + Base64URL.encodeStandard(pki.signerA.chain[0].der) + "\""
        let five = "[" + Array(repeating: leaf, count: 5).joined(separator: ",") + "]"
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":\(five)}", payload: goodPayload),
            .badHeader
        )
        let urlSafe = "\"" + Base64URL.encode(pki.signerA.chain[0].der) + "\""
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[\(urlSafe)]}", payload: goodPayload),
            .badHeader
        )
        let notCert = "\"" + Base64URL.encodeStandard(Array("hello".utf8)) + "\""
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[\(notCert)]}", payload: goodPayload),
            .badHeader
        )
        let big = "\"" + Base64URL.encodeStandard([UInt8](repeating: 0x30, count: 8193)) + "\""
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[\(big)]}", payload: goodPayload),
            .badHeader
        )
        expect(
            try raw(header: "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[1]}", payload: goodPayload),
            .badHeader
        )
    }

    @Test func step3UntrustedCertificate() throws {
        let payload = JSONValue.object(SigningFixture.messagePayload())
        // Another root.
        let stranger = try SigningFixture.node(SigningFixture.oinA, "Stranger", by: pki.otherRoot)
        expect(try stranger.sign(payload, typ: .message), .untrustedCertificate)
        // Expired and not yet valid leaves.
        let expired = try SigningFixture.node(
            SigningFixture.oinA,
            "Old",
            by: pki.root,
            notBefore: now - 2 * SigningFixture.year,
            notAfter: now - 60
        )
        expect(try expired.sign(payload, typ: .message), .untrustedCertificate)
        let future = try SigningFixture.node(
            SigningFixture.oinA,
            "Future",
            by: pki.root,
            notBefore: now + 3600,
            notAfter: now + SigningFixture.year
        )
        expect(try future.sign(payload, typ: .message), .untrustedCertificate)
        // Leaf issued by the intermediate, intermediate left out of x5c: no partial chains.
        let orphan = try JWSSigner(key: pki.signerA.key, chain: [pki.signerA.chain[0]])
        expect(try orphan.sign(payload, typ: .message), .untrustedCertificate)
        // A leaf carrying a person's role is not a node.
        let caseworker = try SigningFixture.node(
            SigningFixture.oinA,
            "Mixed",
            by: pki.root,
            uris: ["urn:hub:role:caseworker"]
        )
        expect(try caseworker.sign(payload, typ: .message), .untrustedCertificate)
        let explicitNode = try SigningFixture.node(
            SigningFixture.oinA,
            "Explicit",
            by: pki.root,
            uris: ["urn:hub:role:node"]
        )
        #expect((try? verify(try explicitNode.sign(payload, typ: .message)).get()) != nil)
        // Revoked (CRL).
        let revokedSigner = try SigningFixture.node(SigningFixture.oinA, "Revoked", by: pki.root)
        let crl = try pki.root.issueCRL(
            revoked: [RevokedCertificate(revokedSigner.chain[0], revocationTime: now - 60)],
            lastUpdate: now - 3600,
            nextUpdate: now + 86_400,
            crlNumber: 1
        )
        let withCRL = JWSVerifier(federation: try TrustBundle(roots: [pki.root.certificate], crls: [crl]))
        let revoked = try revokedSigner.sign(payload, typ: .message)
        #expect(throws: JWSFailure.self) {
            try withCRL.verifyMessage(revoked, tlsPeerOIN: nil, ownOIN: SigningFixture.oinB, at: now)
        }
        do {
            _ = try withCRL.verifyMessage(revoked, tlsPeerOIN: nil, ownOIN: SigningFixture.oinB, at: now)
        } catch {
            #expect(error.reason == .untrustedCertificate)
        }
        let fine = try pki.signerB.sign(.object(SigningFixture.messagePayload(iss: SigningFixture.oinB)), typ: .message)
        #expect((try? withCRL.verifyMessage(fine, tlsPeerOIN: nil, ownOIN: SigningFixture.oinB, at: now)) != nil)
    }

    @Test func step3NonP256Leaf() throws {
        // A P-384 leaf from the same root: chains, but is not P-256.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-p384-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("k.pem").path
        let pubPath = dir.appendingPathComponent("p.pem").path
        #expect(
            try run(
                "/usr/bin/env",
                ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", keyPath]
            ) == 0
        )
        #expect(try run("/usr/bin/env", ["openssl", "pkey", "-in", keyPath, "-pubout", "-out", pubPath]) == 0)
        let cert = try pki.root.issue(
            .node(
                oin: SigningFixture.oinA,
                displayName: "P384",
                dnsNames: ["x.example"],
                notBefore: now - 60,
                notAfter: now + 3600
            ),
            publicKeyPEM: String(contentsOfFile: pubPath, encoding: .utf8)
        )
        let header = "{\"alg\":\"ES256\",\"typ\":\"hub-msg+jws\",\"x5c\":[\"\(Base64URL.encodeStandard(cert.der))\"]}"
        expect(try raw(header: header, payload: goodPayload), .untrustedCertificate)
    }

    @Test func step4BadSignature() throws {
        let good = try pki.signerA.sign(.object(SigningFixture.messagePayload()), typ: .message)
        let parts = good.split(separator: ".").map(String.init)
        let other = try raw(header: goodHeader, payload: goodPayload, key: P256PrivateKey())
        expect(other, .badSignature)
        // Signature over a different payload.
        let swapped = try raw(
            header: goodHeader,
            payload: JCS.string(.object(SigningFixture.messagePayload(iat: now - 1)))
        )
        let mixed = parts[0] + "." + parts[1] + "." + swapped.split(separator: ".")[2]
        expect(mixed, .badSignature)
        // A DER signature instead of raw r‖s.
        let der = try ES256.rawToDER(Base64URL.decode(parts[2])!)
        expect(parts[0] + "." + parts[1] + "." + Base64URL.encode(der), .badSignature)
        expect(parts[0] + "." + parts[1] + ".", .badSignature)
    }

    @Test func step5PayloadRules() throws {
        expect(try raw(header: goodHeader, payload: "not json"), .malformed)
        expect(try raw(header: goodHeader, payload: "[1,2]"), .malformed)
        expect(
            try raw(header: goodHeader, payload: goodPayload.replacingOccurrences(of: "\"v\":1", with: "\"v\":1.0")),
            .malformed
        )
        expect(
            try raw(
                header: goodHeader,
                payload: goodPayload.replacingOccurrences(of: "\"v\":1", with: "\"v\":9007199254740992")
            ),
            .malformed
        )
        expect(
            try raw(
                header: goodHeader,
                payload: goodPayload.replacingOccurrences(of: "{\"aud\"", with: "{\"v\":1,\"aud\"")
            ),
            .malformed
        )
        expect(try raw(header: goodHeader, payload: goodPayload + " "), .nonCanonical)
        expect(
            try raw(header: goodHeader, payload: goodPayload.replacingOccurrences(of: "\"v\":1", with: "\"v\": 1")),
            .nonCanonical
        )
        let unsorted = "{\"v\":1," + goodPayload.dropFirst().replacingOccurrences(of: ",\"v\":1", with: "")
        expect(try raw(header: goodHeader, payload: unsorted), .nonCanonical)
        expect(
            try raw(
                header: goodHeader,
                payload: goodPayload.replacingOccurrences(of: "referral.accept", with: "referral\\u002eaccept")
            ),
            .nonCanonical
        )
    }

    @Test func step6InvalidBody() throws {
        func with(_ change: (inout [String: JSONValue]) -> Void) throws -> String {
            var p = SigningFixture.messagePayload()
            change(&p)
            return try pki.signerA.sign(.object(p), typ: .message)
        }
        expect(try with { $0.removeValue(forKey: "exp") }, .invalidBody)
        expect(try with { $0["extra"] = .null }, .invalidBody)
        expect(try with { $0["v"] = .integer(2) }, .invalidBody)
        expect(try with { $0["jti"] = .string("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B") }, .invalidBody)
        expect(try with { $0["jti"] = .string("not-a-uuid") }, .invalidBody)
        expect(try with { $0["aud"] = .string("GM0193") }, .invalidBody)
        expect(try with { $0["iat"] = .string("1767225600") }, .invalidBody)
        expect(try with { $0["body"] = .array([]) }, .invalidBody)
    }

    @Test func step7Identity() throws {
        let other = try pki.signerA.sign(
            .object(SigningFixture.messagePayload(iss: SigningFixture.oinB)),
            typ: .message
        )
        expect(other, .identityMismatch, tlsPeer: SigningFixture.oinB)
        let good = try pki.signerA.sign(.object(SigningFixture.messagePayload()), typ: .message)
        expect(good, .identityMismatch, tlsPeer: SigningFixture.oinB)
        let elsewhere = try pki.signerA.sign(
            .object(SigningFixture.messagePayload(aud: "99990000000000000003")),
            typ: .message
        )
        expect(elsewhere, .wrongAudience)
    }

    @Test func step8Times() throws {
        func at(iat: Int64, exp: Int64) throws -> String {
            try pki.signerA.sign(.object(SigningFixture.messagePayload(iat: iat, exp: exp)), typ: .message)
        }
        expect(try at(iat: now + 301, exp: now + 3600), .notYetValid)
        #expect((try? verify(try at(iat: now + 300, exp: now + 3600)).get()) != nil)
        expect(try at(iat: now - 7200, exp: now - 301), .expired)
        #expect((try? verify(try at(iat: now - 7200, exp: now - 299)).get()) != nil)
        expect(try at(iat: now, exp: now + 30 * 86_400 + 1), .expired)
        #expect((try? verify(try at(iat: now, exp: now + 30 * 86_400)).get()) != nil)
        expect(try at(iat: now, exp: now), .expired)
        // Stats queries live at most 300 s.
        var q = SigningFixture.messagePayload(iat: now, exp: now + 301)
        q["type"] = .string("stats.query")
        let query = try pki.signerA.sign(.object(q), typ: .statsQuery)
        if case .failure(let f) = verify(query, typ: .statsQuery) {
            #expect(f.reason == .expired)
        } else {
            Issue.record("accepted")
        }
    }

    @Test func refJTI() throws {
        let good = try pki.signerA.sign(.object(SigningFixture.messagePayload()), typ: .message)
        #expect(JWSVerifier.refJTI(of: good) == "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        #expect(JWSVerifier.refJTI(of: "a.b") == nil)
        #expect(JWSVerifier.refJTI(of: try raw(header: goodHeader, payload: "{\"jti\":\"NOT\"}")) == nil)
        #expect(
            JWSVerifier.refJTI(
                of: try raw(header: goodHeader, payload: "{\"jti\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"}")
            ) != nil
        )
    }

    @Test func rfc7515AppendixA3() throws {
        // RFC 7515 A.3: ES256 over its own (non-hub) header, verified below the header rules.
        let jws = try CompactJWS(
            "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
                + "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
        )
        let key = try P256PublicKey(
            x: Base64URL.decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")!,
            y: Base64URL.decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")!
        )
        #expect(jws.verifiesES256(with: key))
        let privateKey = try P256PrivateKey(rawScalar: Base64URL.decode("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")!)
        #expect(privateKey.publicKey == key)
        let resigned = try CompactJWS(CompactJWS.signES256(header: jws.header, payload: jws.payload, with: privateKey))
        #expect(resigned.verifiesES256(with: key))
        var flipped = jws.signature
        flipped[10] ^= 1
        #expect(!ES256.verify(signature: flipped, of: jws.signingInput, with: key))
        print("RFC 7515 A.3: vector verified; re-signed with its key verified; tampered refused")
    }

    func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
