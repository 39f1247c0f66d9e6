import Foundation

extension TestFederation {
    /// Runs `hubctl` against `member`'s node as its case worker, or as its
    /// operator, with the certificates set through the environment.
    func hubctl(
        _ member: Member,
        _ args: [String],
        stdin: String = "",
        asOperator: Bool = false
    ) throws -> ProcessRunner.Output {
        let env = [
            "HUB_NODE=https://localhost:\(ports[member.oin] ?? 0)",
            "HUB_CERT=\((asOperator ? member.operatorCert : member.caseworkerCert).path)",
            "HUB_KEY=\((asOperator ? member.operatorKey : member.caseworkerKey).path)",
            "HUB_CA=\(root.url.appendingPathComponent("federation-ca.pem").path)",
            "HUB_PROFILE=/nonexistent",
        ]
        return try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            env + [ProcessRunner.binDirectory.appendingPathComponent("hubctl").path] + args,
            stdin: stdin
        )
    }
}
