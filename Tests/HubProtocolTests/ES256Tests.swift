import Testing

@testable import HubProtocol

@Suite struct ES256Tests {
    @Test func signVerifyRoundTrip() throws {
        let key = try P256PrivateKey()
        let sig = try ES256.sign(Array("hello".utf8), with: key)
        #expect(sig.count == 64)
        #expect(ES256.verify(signature: sig, of: Array("hello".utf8), with: key.publicKey))
        #expect(!ES256.verify(signature: sig, of: Array("hellp".utf8), with: key.publicKey))
    }
}
