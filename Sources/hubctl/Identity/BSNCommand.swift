import ArgumentParser
import HubProtocol

/// `hubctl bsn`: BSN checks. BSNs come from standard input only.
struct BSNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bsn",
        abstract: "Check BSNs (read from standard input, one per line).",
        subcommands: [BSNCheckCommand.self]
    )
}

/// `hubctl bsn check`.
struct BSNCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check each BSN on standard input (one per line) for the 11-proof; exits 1 if any is invalid.",
        discussion: "Output names lines, not numbers, so it can be kept without holding personal data."
    )

    func run() throws {
        let lines = try Input.lines(what: "BSNs")
        guard !lines.isEmpty else { throw CommandError("no BSNs on standard input (one per line)") }
        var invalid = 0
        for (i, line) in lines.enumerated() {
            do {
                _ = try BSN(line)
                print("line \(i + 1): valid")
            } catch let error as HubProtocolError {
                invalid += 1
                print("line \(i + 1): invalid: \(error.message)")
            }
        }
        if invalid > 0 {
            printError("\(invalid) of \(lines.count) BSNs are invalid")
            throw ExitCode(1)
        }
    }
}

/// `hubctl pseudonym`: a node's pseudonyms for BSNs (PROTOCOL §8).
struct PseudonymCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonym",
        abstract: "Print the node's pseudonym for each BSN on standard input (one per line).",
        discussion: "The key file must have mode 0600. An invalid BSN prints an error for its line and exits 1."
    )

    @Option(name: .long, help: "The node's pseudonym key file (64 hex characters, mode 0600).")
    var key: String

    func run() throws {
        let pseudonymKey: PseudonymKey
        do {
            pseudonymKey = try PseudonymKey.load(path: key)
        } catch let error as HubProtocolError {
            throw CommandError("--key: \(error.message)")
        }
        let lines = try Input.lines(what: "BSNs")
        guard !lines.isEmpty else { throw CommandError("no BSNs on standard input (one per line)") }
        var invalid = 0
        for (i, line) in lines.enumerated() {
            do {
                print(pseudonymKey.pseudonym(for: try BSN(line)))
            } catch let error as HubProtocolError {
                invalid += 1
                print("line \(i + 1): invalid: \(error.message)")
            }
        }
        if invalid > 0 { throw ExitCode(1) }
    }
}
