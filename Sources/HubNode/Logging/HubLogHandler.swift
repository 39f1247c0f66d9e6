import Foundation
public import Logging

/// Log lines for operators: `text` (human) or `json` (one JSON object per
/// line), to standard error. Callers never put personal data in messages or
/// metadata; this handler adds nothing but time, level and label.
public struct HubLogHandler: LogHandler {
    /// The output format.
    public enum Format: Sendable { case text, json }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format

    /// Makes a handler.
    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let time = ISO8601DateFormatter.string(
            from: Date(),
            timeZone: TimeZone(identifier: "UTC")!,
            formatOptions: [.withInternetDateTime, .withFractionalSeconds]
        )
        FileHandle.standardError.write(Data(line(for: event, time: time).utf8))
    }

    /// The line written for `event`, ending in one newline: in `json`, one
    /// object whose members are strings (metadata named like a fixed member
    /// gets the prefix `metadata.`).
    func line(for event: LogEvent, time: String) -> String {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        switch format {
        case .text:
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        case .json:
            var object: [String: String] = [
                "time": time, "level": "\(event.level)", "label": label, "message": "\(event.message)",
            ]
            for (k, v) in all { object[object[k] == nil ? k : "metadata.\(k)"] = "\(v)" }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
