import Foundation
import Testing

@testable import HubProtocol

/// Interop with an independent JOSE implementation: ECDH-ES + Concat KDF +
/// A256GCM written in Python with `cryptography` (no JOSE library needed).
/// Set HUB_SKIP_PYTHON_INTEROP=1 to skip where python3 with `cryptography` is
/// not installed; otherwise a missing interpreter fails the test.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HUB_SKIP_PYTHON_INTEROP"] == nil))
struct JWEInteropTests {
    static let script = #"""
        import base64, hashlib, json, os, sys
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

        def b64d(s):
            if "=" in s or "+" in s or "/" in s:
                raise ValueError("not unpadded base64url")
            out = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
            if b64e(out) != s:
                raise ValueError("not canonical base64url")
            return out

        def b64e(b):
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        def lp(b):
            return len(b).to_bytes(4, "big") + b

        def cek(private, public, apu, apv):
            z = private.exchange(ec.ECDH(), public)
            other = lp(b"A256GCM") + lp(apu) + lp(apv) + (256).to_bytes(4, "big")
            return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(z)

        def public_key(x, y):
            nx, ny = int.from_bytes(b64d(x), "big"), int.from_bytes(b64d(y), "big")
            assert len(b64d(x)) == 32 and len(b64d(y)) == 32
            return ec.EllipticCurvePublicNumbers(nx, ny, ec.SECP256R1()).public_key()

        def thumbprint(x, y):
            s = json.dumps({"crv": "P-256", "kty": "EC", "x": x, "y": y}, separators=(",", ":"), sort_keys=True)
            return b64e(hashlib.sha256(s.encode()).digest())

        mode = sys.argv[1]
        if mode == "seal":
            x, y, sender, recipient, ref = sys.argv[2:7]
            plaintext = sys.stdin.buffer.read()
            ephemeral = ec.generate_private_key(ec.SECP256R1())
            n = ephemeral.public_key().public_numbers()
            epk = {"kty": "EC", "crv": "P-256", "x": b64e(n.x.to_bytes(32, "big")), "y": b64e(n.y.to_bytes(32, "big"))}
            header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": thumbprint(x, y), "epk": epk,
                      "apu": b64e(sender.encode()), "apv": b64e(recipient.encode()),
                      "cty": "hub-identity+json", "ref": ref}
            # Deliberately not JCS: json.dumps's default spacing and insertion order, like a generic JOSE library.
            h = b64e(json.dumps(header).encode())
            iv = os.urandom(12)
            sealed = AESGCM(cek(ephemeral, public_key(x, y), sender.encode(), recipient.encode())).encrypt(iv, plaintext, h.encode("ascii"))
            print(".".join([h, "", b64e(iv), b64e(sealed[:-16]), b64e(sealed[-16:])]))
        elif mode == "open":
            d, x, y, sender, recipient, ref = sys.argv[2:8]
            parts = sys.stdin.read().split(".")
            assert len(parts) == 5 and parts[1] == "", "five parts, empty encrypted key"
            raw = b64d(parts[0])
            header = json.loads(raw)
            assert set(header) == {"alg", "enc", "kid", "epk", "apu", "apv", "cty", "ref"}, sorted(header)
            assert raw == json.dumps(header, separators=(",", ":"), sort_keys=True).encode(), "header is not JCS"
            assert header["alg"] == "ECDH-ES" and header["enc"] == "A256GCM" and header["cty"] == "hub-identity+json"
            assert header["kid"] == thumbprint(x, y), "kid is not the RFC 7638 thumbprint"
            assert set(header["epk"]) == {"kty", "crv", "x", "y"} and header["epk"]["crv"] == "P-256"
            assert b64d(header["apu"]) == sender.encode() and b64d(header["apv"]) == recipient.encode()
            assert header["ref"] == ref
            iv, tag = b64d(parts[2]), b64d(parts[4])
            assert len(iv) == 12 and len(tag) == 16
            private = ec.derive_private_key(int.from_bytes(b64d(d), "big"), ec.SECP256R1())
            key = cek(private, public_key(header["epk"]["x"], header["epk"]["y"]), sender.encode(), recipient.encode())
            sys.stdout.buffer.write(AESGCM(key).decrypt(iv, b64d(parts[3]) + tag, parts[0].encode("ascii")))
        else:
            sys.exit("unknown mode")
        """#

    /// Runs the script with `arguments`, feeding `input`; returns stdout, or throws with stderr.
    static func python(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hub-jwe-interop-\(UUID().uuidString).py"
        )
        try Data(script.utf8).write(to: scriptURL)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Inputs are a few KiB, well under a pipe buffer, so writing first cannot deadlock.
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InteropFailure(status: process.terminationStatus, stderr: String(decoding: err, as: UTF8.self))
        }
        return Array(out)
    }

    /// Opens `compact` in Python with `key`, expecting the test context (JWETests' OINs and ref).
    static func pythonOpen(_ compact: String, key: P256PrivateKey) throws -> [UInt8] {
        let jwk = ECPublicJWK(key.publicKey)
        let arguments = [
            "open", Base64URL.encode(try key.rawScalar()), jwk.xBase64URL, jwk.yBase64URL, JWETests.sender,
            JWETests.recipient, JWETests.ref,
        ]
        return try python(arguments, input: Array(compact.utf8))
    }

    struct InteropFailure: Error, CustomStringConvertible {
        let status: Int32
        let stderr: String
        var description: String { "python3 exited \(status): \(stderr)" }
    }

    @Test func swiftSealsPythonOpens() throws {
        for size in [0, 1, 1024, 3000] {
            let key = try P256PrivateKey()
            let jwk = ECPublicJWK.encryptionKey(key.publicKey)
            let plaintext = SecureRandom.bytes(size)
            let compact = try JWE.seal(
                plaintext: plaintext,
                to: jwk,
                senderOIN: JWETests.sender,
                recipientOIN: JWETests.recipient,
                ref: JWETests.ref
            )
            #expect(try Self.pythonOpen(compact, key: key) == plaintext, "size \(size)")
        }
    }

    @Test func pythonSealsSwiftOpens() throws {
        for size in [0, 1, 1024, 3000] {
            let key = try P256PrivateKey()
            let jwk = ECPublicJWK.encryptionKey(key.publicKey)
            let plaintext = SecureRandom.bytes(size)
            let out = try Self.python(
                ["seal", jwk.xBase64URL, jwk.yBase64URL, JWETests.sender, JWETests.recipient, JWETests.ref],
                input: plaintext
            )
            let compact = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .newlines)
            // Python's kid is its own thumbprint computation: opening by our kid checks they agree.
            let opened = try JWE.open(
                compact,
                with: key,
                keyID: try #require(jwk.kid),
                expectedSenderOIN: JWETests.sender,
                expectedRecipientOIN: JWETests.recipient,
                expectedRef: JWETests.ref
            )
            #expect(opened == plaintext, "size \(size)")
            // And it is bound to the context: another ref is refused.
            JWETests.expectCode(.invalidBody) {
                _ = try JWE.open(
                    compact,
                    with: key,
                    keyID: jwk.kid!,
                    expectedSenderOIN: JWETests.sender,
                    expectedRecipientOIN: JWETests.recipient,
                    expectedRef: "other"
                )
            }
        }
    }

    /// The Python side really checks: a tampered JWE makes it fail.
    @Test func pythonRefusesTampering() throws {
        let key = try P256PrivateKey()
        let jwk = ECPublicJWK.encryptionKey(key.publicKey)
        let compact = try JWE.seal(
            plaintext: Array("x".utf8),
            to: jwk,
            senderOIN: JWETests.sender,
            recipientOIN: JWETests.recipient,
            ref: JWETests.ref
        )
        var parts = compact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var tag = try #require(Base64URL.decode(parts[4]))
        tag[0] ^= 1
        parts[4] = Base64URL.encode(tag)
        #expect(throws: InteropFailure.self) { try Self.pythonOpen(parts.joined(separator: "."), key: key) }
    }
}
