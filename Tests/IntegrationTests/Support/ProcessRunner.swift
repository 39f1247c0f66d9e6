import Foundation

/// Runs the project's binaries and peer scripts as real processes.
enum ProcessRunner {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The folder holding the built executables (`hubctl`, `hub-node`).
    static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["HUB_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        // The test bundle sits beside the executables in .build/<triple>/<config>/.
        var url = Bundle.module.bundleURL.deletingLastPathComponent()
        for _ in 0..<3 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("hubctl").path) {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    /// Runs `executable` with `arguments`, feeding `stdin`, and waits at most `timeout` seconds.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        stdin: String = "",
        timeout: TimeInterval = 60
    ) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full pipe never blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data()
        nonisolated(unsafe) var err = Data()
        group.enter()
        DispatchQueue.global().async {
            out = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            err = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            // Stop exactly the process this call started.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw RunnerError(
                "\(executable.lastPathComponent) \(arguments.first ?? "") did not finish within \(Int(timeout)) s"
            )
        }
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }

    /// Runs `hubctl`.
    static func hubctl(_ arguments: [String], stdin: String = "") throws -> Output {
        try run(binDirectory.appendingPathComponent("hubctl"), arguments, stdin: stdin)
    }

    /// Runs the independent Python peer (`Resources/interop.py`).
    static func python(_ arguments: [String], stdin: String = "") throws -> Output {
        let script = try Bundle.module.url(forResource: "interop", withExtension: "py", subdirectory: "Resources")
            .unwrapped("interop.py")
        return try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path] + arguments, stdin: stdin)
    }
}

struct RunnerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Optional {
    func unwrapped(_ what: String) throws -> Wrapped {
        guard let self else { throw RunnerError("\(what) is missing") }
        return self
    }
}

/// A temporary folder removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` with `mode` and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }
}
