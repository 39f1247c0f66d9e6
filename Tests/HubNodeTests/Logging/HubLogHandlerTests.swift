import Foundation
import Logging
import Testing

@testable import HubNode

@Suite("Logging: HubLogHandler")
struct HubLogHandlerTests {
    static func event(_ message: Logger.Message, _ metadata: Logger.Metadata? = nil) -> LogEvent {
        LogEvent(
            level: .notice,
            message: message,
            metadata: metadata,
            source: nil,
            file: #fileID,
            function: #function,
            line: #line
        )
    }

    @Test("json: one object per line, every member a string, newlines escaped")
    func jsonLines() throws {
        var handler = HubLogHandler(label: "hub-node", level: .info, format: .json)
        handler[metadataKey: "node"] = "arnhem"
        let line = handler.line(
            for: Self.event(
                "ready\nsecond line \"quoted\"",
                ["port": "8443", "path": "/v1/messages", "message": "clash", "nested": ["a": "b"]]
            ),
            time: "2025-06-15T10:00:00.000Z"
        )
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
            "\(line)"
        )
        #expect(object["message"] == "ready\nsecond line \"quoted\"")
        #expect(object["metadata.message"] == "clash")
        #expect(object["level"] == "notice")
        #expect(object["label"] == "hub-node")
        #expect(object["time"] == "2025-06-15T10:00:00.000Z")
        #expect(object["port"] == "8443")
        #expect(object["node"] == "arnhem")
        #expect(object["nested"]?.contains("a") == true)
        #expect(object.count == 9)
        // Slashes are written as they are, for grep.
        #expect(line.contains(#""path":"/v1/messages""#))
    }

    @Test("text: time, level, label, message, then metadata in key order")
    func textLines() {
        let handler = HubLogHandler(label: "hub-node", level: .info, format: .text)
        let line = handler.line(
            for: Self.event("metrics ready", ["port": "9464", "address": "127.0.0.1"]),
            time: "2025-06-15T10:00:00.000Z"
        )
        #expect(line == "2025-06-15T10:00:00.000Z notice hub-node: metrics ready address=127.0.0.1 port=9464\n")
    }
}
