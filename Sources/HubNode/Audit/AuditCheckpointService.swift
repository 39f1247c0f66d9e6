import GRDB
import HubProtocol
public import Logging
public import ServiceLifecycle

/// Signs the audit chain's head daily and appends it as one line to a file
/// outside the database (PROTOCOL §12), so a rewritten database is caught.
public final class AuditCheckpointService: Service, Sendable {
    private let store: NodeStore
    private let file: AuditCheckpointFile
    private let state: NodeState
    private let logger: Logger
    private let interval: Int64
    private let clock: @Sendable () -> Int64

    /// Makes the service; `interval` is in seconds (the default is a day).
    public init(
        store: NodeStore,
        file: AuditCheckpointFile,
        state: NodeState,
        logger: Logger,
        interval: Int64 = 86_400,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.store = store
        self.file = file
        self.state = state
        self.logger = logger
        self.interval = interval
        self.clock = clock
    }

    public func run() async throws {
        // Sleeping until the next checkpoint must not hold up a graceful shutdown.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = (try? self.lastCheckpointTime()).map { $0 + self.interval } ?? 0
                let now = self.clock()
                if now >= next {
                    do {
                        try await self.writeCheckpoint()
                    } catch {
                        self.logger.error("cannot write the audit checkpoint", metadata: ["error": "\(error)"])
                    }
                }
                let wait = max(60, min(self.interval, (next > now ? next - now : self.interval)))
                try? await Task.sleep(for: .seconds(wait))
            }
        }
    }

    /// Signs the current head and appends it to the checkpoint file; returns the checkpoint.
    @discardableResult
    public func writeCheckpoint() async throws -> AuditCheckpoint {
        let checkpoint = try await store.read { db in try AuditLog.checkpoint(in: db) }
        let now = clock()
        let jws = try state.snapshot.identity.signer.sign(checkpoint.payload(issuedAt: now), typ: .auditCheckpoint)
        try file.append(jws)
        logger.info("audit checkpoint written", metadata: ["i": "\(checkpoint.index)"])
        return checkpoint
    }

    /// The checkpoints in the file whose signature verifies, oldest first.
    public func checkpoints() throws -> [AuditCheckpoint] {
        let snapshot = state.snapshot
        var out: [AuditCheckpoint] = []
        for (n, line) in try file.readLines().enumerated() {
            do {
                // Verified against the federation bundle at the time it was signed.
                let compact = try CompactJWS(line)
                let payload = try JSONParser.parse(compact.payload, options: .strict)
                let iat = payload["iat"]?.intValue ?? 0
                let verified = try snapshot.verifier.verify(line, typ: .auditCheckpoint, at: iat)
                guard verified.signer.oin == snapshot.identity.oin else {
                    throw HubProtocolError(.invalidValue, "signed by another node")
                }
                out.append(try AuditCheckpoint(payload: verified.payload))
            } catch {
                throw HubProtocolError(.invalidValue, "audit checkpoint line \(n + 1) does not verify: \(error)")
            }
        }
        return out
    }

    private func lastCheckpointTime() throws -> Int64? {
        guard let line = try file.readLines().last, let compact = try? CompactJWS(line),
            let payload = try? JSONParser.parse(compact.payload, options: .strict)
        else { return nil }
        return payload["iat"]?.intValue
    }
}
