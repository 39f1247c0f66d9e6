import Foundation
import NIOCore
import Synchronization
import Testing

@testable import HubNode

/// The `reason` label of failed handshakes, from real refusals between two
/// `OpenSSLTLSHandler`s and from the errors the handler raises itself.
@Suite("Metrics: handshake failure reasons")
struct HandshakeFailureReasonTests {
    let tls = TLSHandshakeTests()

    /// The one error the server recorded, classified.
    func reason(_ recording: Recording) throws -> HandshakeFailureReason? {
        #expect(recording.handshakes.isEmpty)
        let error = try #require(recording.tlsErrors.first)
        #expect(recording.tlsErrors.count == 1)
        return HandshakeFailureReason(error)
    }

    @Test("refused client certificates: untrusted, expired, revoked, CRL out of date")
    func refusedCertificates() throws {
        let pki = tls.pki
        #expect(try reason(tls.refusedByServer(pki.unknownNode).server) == .untrusted)
        #expect(try reason(tls.refusedByServer(pki.expiredNode).server) == .expired)
        #expect(try reason(tls.refusedByServer(pki.revokedNode, crls: true).server) == .revoked)
        #expect(try reason(tls.handshake(pki.zwolleNode, federationCRL: pki.expiredFederationCRL)) == .crlUnavailable)
        // The certificate kind travels in the error itself, not only in its words.
        let revoked = try #require(try tls.refusedByServer(pki.revokedNode, crls: true).server.tlsErrors.first)
        #expect(revoked.certificateFailure == .revoked)
        #expect(revoked.code == .peerCertificateRejected)
    }

    @Test("errors without a certificate kind map by code")
    func byCode() {
        #expect(HandshakeFailureReason(HubNodeError(.handshakeTimeout, "t", detail: .tls())) == .timeout)
        #expect(HandshakeFailureReason(HubNodeError(.alertReceived, "a", detail: .tls())) == .alert)
        #expect(HandshakeFailureReason(HubNodeError(.handshakeFailed, "peer went away", detail: .tls())) == .closed)
        #expect(
            HandshakeFailureReason(
                HubNodeError(.handshakeFailed, "bad", detail: .tls(openSSLErrors: ["unsupported protocol"]))
            )
                == .protocol
        )
        #expect(HandshakeFailureReason(HubNodeError(.closedWithoutCloseNotify, "c", detail: .tls())) == .closed)
        #expect(
            HandshakeFailureReason(HubNodeError(.peerCertificateRejected, "no root of either bundle", detail: .tls()))
                == .untrusted
        )
        #expect(
            HandshakeFailureReason(
                HubNodeError(.peerCertificateRejected, "none", detail: .tls(certificateFailure: .missing))
            )
                == .noCertificate
        )
        #expect(
            HandshakeFailureReason(
                HubNodeError(.peerCertificateRejected, "nb", detail: .tls(certificateFailure: .notYetValid))
            )
                == .notYetValid
        )
        #expect(
            HandshakeFailureReason(
                HubNodeError(.peerCertificateRejected, "x", detail: .tls(certificateFailure: .invalid))
            )
                == .invalidCertificate
        )
    }

    @Test("a reset counts as closed; a refusal by the limiter is not counted twice")
    func otherErrors() {
        let reset: any Error = IOError(errnoCode: ECONNRESET, reason: "read")
        #expect(HandshakeFailureReason(reset) == .closed)
        let timeout: any Error = HubNodeError(.handshakeTimeout, "t", detail: .tls())
        #expect(HandshakeFailureReason(timeout) == .timeout)
        // The limiter closes a refused channel unread; the waiter then sees only this.
        #expect(HandshakeFailureReason(ChannelError.ioOnClosedChannel as any Error) == nil)
    }

    @Test("the handshake limiter reports each refusal")
    func limiterRefusals() {
        let refusals = Counter()
        let limiter = HandshakeLimiter(maximumPerAddress: 2, onRefusal: { refusals.add() })
        #expect(limiter.acquire("192.0.2.1"))
        #expect(limiter.acquire("192.0.2.1"))
        #expect(!limiter.acquire("192.0.2.1"))
        #expect(limiter.acquire("192.0.2.2"))
        #expect(!limiter.acquire("192.0.2.1"))
        #expect(refusals.value == 2)
        limiter.release("192.0.2.1")
        #expect(limiter.acquire("192.0.2.1"))
        #expect(refusals.value == 2)
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
