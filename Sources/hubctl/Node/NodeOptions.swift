import ArgumentParser
import Foundation
import HubNode
import HubProtocol
import NIOHTTP1

/// How `hubctl` reaches its own node: flags, else `HUB_*` environment
/// variables, else a profile file (`key: value` lines), so people need not
/// repeat them.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: "The node, https://host:port (env HUB_NODE).")
    var node: String?

    @Option(name: .long, help: "Your certificate from the municipality's local CA, PEM (env HUB_CERT).")
    var cert: String?

    @Option(name: .long, help: "Your private key, PEM, mode 0600 (env HUB_KEY).")
    var key: String?

    @Option(name: .long, help: "The federation CA bundle that issued the node's certificate (env HUB_CA).")
    var ca: String?

    @Option(name: .customLong("node-oin"), help: "The OIN the node's certificate must carry (env HUB_NODE_OIN).")
    var nodeOIN: String?

    @Option(
        name: .long,
        help:
            "A profile file with lines node:, cert:, key:, ca:, node_oin: (env HUB_PROFILE; default ~/.config/hubctl/profile)."
    )
    var profile: String?

    @Flag(name: .long, help: "Print JSON for scripts instead of tables.")
    var json = false

    /// The resolved settings.
    struct Resolved {
        var endpoint: ClientEndpoint
        var cert: String
        var key: String
        var ca: String
    }

    func resolve() throws -> Resolved {
        let env = ProcessInfo.processInfo.environment
        let profilePath = profile ?? env["HUB_PROFILE"] ?? (env["HOME"].map { $0 + "/.config/hubctl/profile" } ?? "")
        var fromProfile: [String: String] = [:]
        if let text = try? String(contentsOfFile: profilePath, encoding: .utf8) {
            let base = (profilePath as NSString).deletingLastPathComponent
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let k = line[..<colon].trimmingCharacters(in: .whitespaces)
                var v = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if ["cert", "key", "ca"].contains(k), !v.hasPrefix("/") { v = base + "/" + v }
                fromProfile[k] = v
            }
        } else if profile != nil {
            throw CommandError("--profile: cannot read \(profilePath)")
        }
        func pick(_ flag: String?, _ envName: String, _ profileKey: String, _ name: String) throws -> String {
            if let value = flag ?? env[envName] ?? fromProfile[profileKey], !value.isEmpty { return value }
            throw CommandError("--\(name) is required (or set \(envName), or \(profileKey): in the profile)")
        }
        let url = try pick(node, "HUB_NODE", "node", "node")
        guard let endpoint = PeerEndpoint(name: "node", oin: "", url: url) else {
            throw CommandError("--node: expected https://host:port, got \(url)")
        }
        let oin = nodeOIN ?? env["HUB_NODE_OIN"] ?? fromProfile["node_oin"]
        if let oin, !OIN.isValid(oin) { throw CommandError("--node-oin: not an OIN (20 digits)") }
        return Resolved(
            endpoint: ClientEndpoint(host: endpoint.host, port: endpoint.port, expectedOIN: oin),
            cert: try pick(cert, "HUB_CERT", "cert", "cert"),
            key: try pick(key, "HUB_KEY", "key", "key"),
            ca: try pick(ca, "HUB_CA", "ca", "ca")
        )
    }

    /// Calls the node and returns the JSON answer, or throws a one-line error.
    func call(_ method: HTTPMethodName, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let settings = try resolve()
        let context: TLSContext
        do {
            context = try TLSContext(
                role: .client,
                configuration: TLSConfiguration(
                    certificateChain: .file(settings.cert),
                    privateKey: .file(settings.key),
                    federationRoots: .file(settings.ca)
                )
            )
        } catch {
            throw CommandError("cannot use --cert/--key/--ca: \(error)")
        }
        let client = try HubHTTPClient(tlsContext: context, configuration: HubHTTPClientConfiguration())
        let response: ClientResponse
        do {
            response = try await client.request(
                method == .get ? .GET : .POST,
                path: path,
                body: body.map { JCS.serialize($0) },
                to: settings.endpoint,
                idempotent: method == .get
            )
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw CommandError("cannot reach the node at \(settings.endpoint): \(error)")
        }
        let value = try? JSONParser.parse(response.body)
        guard (200..<300).contains(response.status) else {
            let code = value?["error"]?["code"]?.stringValue ?? "http_\(response.status)"
            let message = value?["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            throw CommandError("the node refused: \(code): \(message) (HTTP \(response.status))")
        }
        guard let value else { throw CommandError("the node's answer is not JSON") }
        return value
    }
}

/// The methods hubctl uses.
enum HTTPMethodName {
    case get, post
}
