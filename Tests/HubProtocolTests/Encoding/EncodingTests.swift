import Testing

@testable import HubProtocol

@Suite struct EncodingTests {
    @Test func base64urlRoundTripsAllLengths() {
        var bytes: [UInt8] = []
        for n in 0..<70 {
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
            #expect(Base64URL.decodeStandard(Base64URL.encodeStandard(bytes)) == bytes)
            bytes.append(UInt8(truncatingIfNeeded: n &* 37 &+ 250))
        }
    }

    @Test func base64urlRefusesNonCanonical() {
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)  // non-zero trailing bits
        #expect(Base64URL.decode("QQ==") == nil)  // padding
        #expect(Base64URL.decode("Q") == nil)  // impossible length
        #expect(Base64URL.decode("a+b/") == nil)  // standard alphabet
        #expect(Base64URL.decode("ab c") == nil)
        #expect(Base64URL.decodeStandard("QQ==") == [0x41])
        #expect(Base64URL.decodeStandard("QR==") == nil)
        #expect(Base64URL.decodeStandard("QQ") == nil)
        #expect(Base64URL.decodeStandard("QQ=") == nil)
        #expect(Base64URL.decodeStandard("Q===") == nil)
    }

    @Test func rfc4648Vectors() {
        let vectors = [
            "": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        }
        let base32 = [
            "": "", "f": "my", "fo": "mzxq", "foo": "mzxw6", "foob": "mzxw6yq", "fooba": "mzxw6ytb",
            "foobar": "mzxw6ytboi",
        ]
        for (plain, encoded) in base32 {
            #expect(Base32.encodeLowercaseNoPad(Array(plain.utf8)) == encoded)
        }
    }

    @Test func hex() {
        #expect(Hex.encode([0, 1, 0xab, 0xff]) == "0001abff")
        #expect(Hex.decode("0001ABff") == [0, 1, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func sha256AndHMACKnownAnswers() {
        #expect(
            Hex.encode(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        // RFC 4231 test case 2.
        #expect(
            Hex.encode(
                HMACSHA256.authenticationCode(
                    key: Array("Jefe".utf8),
                    message: Array("what do ya want for nothing?".utf8)
                )
            )
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
    }
}
