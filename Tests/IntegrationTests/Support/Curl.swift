import Foundation

/// `curl` as an independent HTTPS client with a client certificate.
enum Curl {
    struct Answer {
        let status: Int
        let body: String
        let exitCode: Int32
        let stderr: String
    }

    /// Calls `https://127.0.0.1:port/path`; `cert`/`key` nil sends no client certificate.
    static func call(
        port: Int,
        _ method: String,
        _ path: String,
        cert: URL?,
        key: URL?,
        ca: URL,
        body: String? = nil,
        extra: [String] = []
    ) throws -> Answer {
        var args = [
            "-s", "-S", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}", "-X", method, "--cacert", ca.path,
        ]
        if let cert, let key { args += ["--cert", cert.path, "--key", key.path] }
        if body != nil {
            args += ["-H", "Content-Type: application/json; charset=utf-8", "--data-binary", "@-"]
        }
        args += extra
        args += ["--resolve", "localhost:\(port):127.0.0.1"]
        args.append("https://localhost:\(port)\(path)")
        let out = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/curl"), args, stdin: body ?? "")
        var lines = out.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return Answer(status: status, body: lines.joined(separator: "\n"), exitCode: out.status, stderr: out.stderr)
    }
}

extension Curl {
    struct PlainAnswer {
        let status: Int
        let contentType: String
        let body: String
    }

    /// `GET http://127.0.0.1:port/path` without TLS (the metrics listener).
    static func plainGet(port: Int, _ path: String) throws -> PlainAnswer {
        let args = [
            "-s", "-S", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}\n%{content_type}",
            "http://127.0.0.1:\(port)\(path)",
        ]
        let out = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/curl"), args)
        guard out.status == 0 else { throw RunnerError("curl \(path) failed: \(out.stderr)") }
        var lines = out.stdout.components(separatedBy: "\n")
        let contentType = lines.popLast() ?? ""
        let status = Int(lines.popLast() ?? "") ?? 0
        return PlainAnswer(status: status, contentType: contentType, body: lines.joined(separator: "\n"))
    }
}
