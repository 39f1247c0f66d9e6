import Foundation
import HubProtocol

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

extension TestFederation {
    /// Today in Europe/Amsterdam (the nodes' calendar) plus `days`, as
    /// `YYYY-MM-DD`: tests give dates relative to the day they run.
    static func day(_ days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!.adding(days: days).description
    }
}
