import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hub-store-tests-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

enum StoreTestSupport {
    /// Runs `body` with a store opened in a new temporary directory, then
    /// closes the store and removes the directory.
    static func withStore<T>(
        configure: (inout StoreConfiguration) -> Void = { _ in },
        _ body: (NodeStore, TemporaryDirectory) throws -> T
    ) throws -> T {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = StoreConfiguration(path: directory.file("node.sqlite"))
        configure(&configuration)
        let store = try NodeStore(configuration: configuration)
        defer { try? store.close() }
        return try body(store, directory)
    }

    /// The async flavour of ``withStore(configure:_:)``.
    static func withStore<T>(
        _ body: (NodeStore, TemporaryDirectory) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore(configuration: StoreConfiguration(path: directory.file("node.sqlite")))
        defer { try? store.close() }
        return try await body(store, directory)
    }

    /// A content address for `text`, as PROTOCOL §4 computes it.
    static func hash(_ text: String) -> String {
        Base64URL.encode(SHA256.hash(Array(text.utf8)))
    }

    static let arnhem = "99990000000000000202"
    static let zwolle = "99990000000000000193"
    static let assen = "99990000000000000106"

    /// An inbox row for the message `jws`, delivered by `iss`.
    static func inboxRow(
        jws: String,
        iss: String? = zwolle,
        jti: String? = "0190a5c4-0000-7000-8000-000000000001",
        reservesJTI: Bool = true,
        status: InboxRow.Status = .accepted,
        reason: String? = nil
    ) -> InboxRow {
        InboxRow(
            hash: hash(jws),
            iss: iss,
            jti: jti,
            reservesJTI: reservesJTI,
            type: "referral.offer",
            typ: "hub-msg+jws",
            jws: jws,
            receivedAt: 1_750_000_000,
            peerOIN: zwolle,
            status: status,
            reason: reason,
            receiptJWS: "receipt-for-" + jws,
            exp: 1_750_086_400
        )
    }

    /// A queued outbox row whose JWS is `size` bytes long.
    static func outboxRow(
        to destination: String,
        n: Int,
        size: Int = 100,
        createdAt: Int64 = 1_750_000_000
    ) -> OutboxRow {
        let prefix = "jws\(n)."
        let jws = prefix + String(repeating: "a", count: max(0, size - prefix.utf8.count))
        return OutboxRow(
            destinationOIN: destination,
            type: "referral.offer",
            jti: "0190a5c4-0000-7000-8000-\(String(n).leftPadded(to: 12))",
            hash: hash(jws),
            jws: jws,
            bodyJSON: #"{"referral_id":"r\#(n)"}"#,
            createdAt: createdAt
        )
    }

    /// Expects `body` to throw an error of the store with `code`.
    @discardableResult
    static func expectStoreError<T>(
        _ code: HubNodeError.Code,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> T
    ) -> HubNodeError? {
        do {
            let value = try body()
            Issue.record("expected a store error \(code), got \(value)", sourceLocation: sourceLocation)
            return nil
        } catch let error as HubNodeError where error.isStore {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected a store error \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
