import Foundation
import HubNode
import Testing

@Suite("NodeConfiguration: errors name their key")
struct NodeConfigurationErrorTests {
    @Test("every bad value is reported at once, each under its key")
    func manyProblems() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            """
            identity:
              oin: "1234"
              name: Gemeente Arnhem
              municipality_code: GM02
            listen:
              address: "not an address"
              port: 84x3
              public_endpoint: http://hub.arnhem.example
            tls:
              certificate: tls/node.pem
              key: tls/node.key
              federation_ca: tls/missing-ca.pem
              local_ca: tls/local-ca.pem
            storage:
              synchronous: off
            limits:
              max_batch_messages: 101
            delivery:
              backoff_initial_seconds: 60
              backoff_max_seconds: 30
              descriptor_lifetime_seconds: 1209600
              message_lifetime_seconds: 2592001
            retention:
              run_daily_at: "24:00"
            stats:
              allowed_coordinators: ["99990000000000000009", "123"]
              epsilon_per_requester: "-1"
              epsilon_per_year: "0"
            metrics:
              enabled: yes
            logging:
              level: verbose
              format: xml
            clock_skew_seconds: -5
            """
        )
        let expected: [String: String] = [
            "identity.oin": "must be 20 digits",
            "identity.municipality_code": "must be GM and 4 digits, e.g. GM0202, not \"GM02\"",
            "listen.address": "must be an IPv4 or IPv6 address or a host name, not \"not an address\"",
            "listen.port": "must be a whole number from 0 to 65535, not \"84x3\"",
            "listen.public_endpoint": "must be an https:// URL with a host",
            "tls.federation_ca": "file \(fixture.path("tls/missing-ca.pem")) does not exist",
            "storage.synchronous": "must be one of full, normal, not \"off\"",
            "limits.max_batch_messages": "must be a whole number from 1 to 100, not \"101\"",
            "delivery.backoff_max_seconds": "must be at least delivery.backoff_initial_seconds (60)",
            "delivery.descriptor_lifetime_seconds": "must be a whole number from 60 to 604800, not \"1209600\"",
            "delivery.message_lifetime_seconds": "must be a whole number from 60 to 2592000, not \"2592001\"",
            "retention.run_daily_at": "must be a time HH:MM from 00:00 to 23:59, not \"24:00\"",
            "stats.allowed_coordinators[0]": "is neither a configured peer nor this node",
            "stats.allowed_coordinators[1]": "must be 20 digits",
            "stats.epsilon_per_requester":
                "must be a decimal greater than 0 with at most 6 decimals, e.g. \"0.5\", not \"-1\"",
            "stats.epsilon_per_year":
                "must be a decimal greater than 0 with at most 6 decimals, e.g. \"0.5\", not \"0\"",
            "metrics.enabled": "must be true or false, not \"yes\"",
            "logging.level": "must be one of trace, debug, info, notice, warning, error, critical, not \"verbose\"",
            "logging.format": "must be one of text, json, not \"xml\"",
            "clock_skew_seconds": "must be a whole number from 0 to 3600, not \"-5\"",
        ]
        for (key, text) in expected {
            #expect(reason(for: key, in: problems) == text, "\(key)")
        }
        #expect(problems.count == expected.count, "\(problems)")
    }

    @Test("the error's description lists every problem as key: reason")
    func description() throws {
        let fixture = try ConfigurationFixture()
        let file = try fixture.write("hub.yaml", "identity:\n  oin: \"1\"\n")
        do {
            _ = try NodeConfiguration.load(path: file, environment: [:])
            Issue.record("loaded")
        } catch let error as HubNodeError {
            let text = String(describing: error)
            #expect(text.hasPrefix("invalid configuration \(file) ("))
            #expect(text.contains("\n  identity.oin: must be 20 digits"))
            #expect(text.contains("\n  identity.name: is required"))
            #expect(text.contains("\n  tls.local_ca: is required"))
            #expect(error.configurationProblems.map(\.key).first == "identity.oin")
        }
    }

    @Test("required keys that are missing are each named")
    func required() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems("")
        #expect(
            problems.map(\.key) == [
                "identity.oin", "identity.name", "identity.municipality_code", "listen.public_endpoint",
                "tls.certificate", "tls.key", "tls.federation_ca", "tls.local_ca",
            ]
        )
        #expect(problems.allSatisfy { $0.reason == "is required" })
    }

    @Test("unknown keys are refused at every level, with a suggestion when one is close")
    func unknownKeys() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: """
                    listen2:
                      port: 1
                    port: 8443
                    metrics:
                      prot: 1
                      colour: blue
                    peers:
                      - name: Gemeente Zwolle
                        oin: "99990000000000000002"
                        endpiont: https://hub.zwolle.example
                    """
            )
        )
        #expect(reason(for: "listen2", in: problems) == "unknown key (did you mean listen?)")
        #expect(reason(for: "port", in: problems) == "unknown key (did you mean listen.port?)")
        #expect(reason(for: "metrics.prot", in: problems) == "unknown key (did you mean port?)")
        #expect(reason(for: "metrics.colour", in: problems) == "unknown key")
        #expect(reason(for: "peers[0].endpiont", in: problems) == "unknown key (did you mean endpoint?)")
        #expect(reason(for: "peers[0].endpoint", in: problems) == "is required")
        #expect(problems.count == 6, "\(problems)")
    }

    @Test("a value of the wrong shape names its key")
    func shapes() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: """
                    limits: 5
                    metrics:
                      port: [1, 2]
                    stats:
                      allowed_coordinators: "99990000000000000002"
                    peers:
                      name: Gemeente Zwolle
                    """
            )
        )
        #expect(reason(for: "limits", in: problems) == "must be a mapping of keys")
        #expect(reason(for: "metrics.port", in: problems) == "must be a single value, not a list or mapping")
        #expect(reason(for: "stats.allowed_coordinators", in: problems) == "must be a list, e.g. [a, b]")
        #expect(reason(for: "peers", in: problems) == "must be a list of {name, oin, endpoint}")
        #expect(problems.count == 4, "\(problems)")
    }

    @Test("duplicate keys are refused, naming the key and line")
    func duplicateKeys() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(ConfigurationFixture.minimal(plus: "metrics:\n  port: 1\n  port: 2\n"))
        #expect(problems.count == 1)
        #expect(problems.first?.key == fixture.path("hub.yaml"))
        #expect(problems.first?.reason == "duplicate key 'port' (first at line 13, column 3)")

        let sections = try fixture.problems(ConfigurationFixture.minimal(plus: "identity:\n  oin: \"1\"\n"))
        #expect(sections.first?.reason.hasPrefix("duplicate key 'identity'") == true)
    }

    @Test("a file that is not YAML, not a mapping, or missing names the file")
    func badFiles() throws {
        let fixture = try ConfigurationFixture()
        let syntax = try fixture.problems("identity: [unclosed\n")
        #expect(syntax.count == 1)
        #expect(syntax.first?.key == fixture.path("hub.yaml"))
        #expect(syntax.first?.reason.hasPrefix("not valid YAML: ") == true)
        #expect(syntax.first?.reason.contains("line 2") == true)

        let list = try fixture.problems("- identity\n")
        #expect(list.first?.reason == "must be a mapping of sections (identity, listen, tls, …)")

        let missing = fixture.path("nowhere.yaml")
        #expect {
            try NodeConfiguration.load(path: missing, environment: [:])
        } throws: { error in
            let problems = (error as? HubNodeError)?.configurationProblems ?? []
            return problems == [.init(key: missing, reason: "file \(missing) does not exist")]
        }
    }

    @Test("private keys must be mode 0600 or stricter, with the chmod to fix it")
    func keyFileMode() throws {
        let fixture = try ConfigurationFixture()
        let key = fixture.path("tls/node.key")
        for mode in [0o640, 0o604, 0o644, 0o660, 0o610] {
            #expect(chmod(key, mode_t(mode)) == 0)
            let problems = try fixture.problems(ConfigurationFixture.minimal)
            #expect(
                problems == [
                    .init(
                        key: "tls.key",
                        reason: "file \(key) is accessible by group or others (mode 0\(String(mode, radix: 8)));"
                            + " run chmod 600 \(key)"
                    )
                ]
            )
        }
        for mode in [0o600, 0o400] {
            #expect(chmod(key, mode_t(mode)) == 0)
            _ = try fixture.load(ConfigurationFixture.minimal)
        }
    }

    @Test("a signing certificate needs its key, and the key the same file rules")
    func signingPair() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("tls/signing.key", "key", mode: 0o644)
        let base = ConfigurationFixture.minimal.replacingOccurrences(
            of: "tls:\n",
            with: "tls:\n  signing_key: tls/signing.key\n"
        )
        let problems = try fixture.problems(base)
        let key = fixture.path("tls/signing.key")
        #expect(
            problems == [
                .init(key: "tls.signing_certificate", reason: "is required when tls.signing_key is set"),
                .init(
                    key: "tls.signing_key",
                    reason: "file \(key) is accessible by group or others (mode 0644); run chmod 600 \(key)"
                ),
            ]
        )
    }

    @Test("files the node creates may be missing, but their folders must exist and secrets be private")
    func storageFiles() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("pseudonym.key", "secret", mode: 0o644)
        try FileManager.default.createDirectory(atPath: fixture.path("enc-keys"), withIntermediateDirectories: false)
        #expect(chmod(fixture.path("enc-keys"), 0o755) == 0)
        try fixture.write("notafolder", "")
        let problems = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: """
                    storage:
                      database: missing/hub.sqlite
                      audit_checkpoints: notafolder/checkpoints.jwsl
                    """
            )
        )
        let d = fixture.directory
        #expect(
            problems == [
                .init(key: "storage.database", reason: "folder \(d)/missing does not exist"),
                .init(key: "storage.audit_checkpoints", reason: "\(d)/notafolder is not a folder"),
                .init(
                    key: "storage.pseudonym_key",
                    reason:
                        "file \(d)/pseudonym.key is accessible by group or others (mode 0644); run chmod 600 \(d)/pseudonym.key"
                ),
                .init(
                    key: "storage.encryption_keys",
                    reason:
                        "folder \(d)/enc-keys is accessible by group or others (mode 0755); run chmod 700 \(d)/enc-keys"
                ),
            ]
        )

        let same = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: "storage:\n  audit_checkpoints: hub.sqlite\n  pseudonym_key: x.key\n  encryption_keys: keys\n"
            )
        )
        #expect(same == [.init(key: "storage.audit_checkpoints", reason: "is the same path as storage.database")])
    }

    @Test("CRL and certificate files must exist; each list item is named")
    func missingFiles() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("crl/a.pem", "crl")
        let yaml = ConfigurationFixture.minimal.replacingOccurrences(
            of: "tls:\n",
            with: "tls:\n  crls: [crl/a.pem, crl/b.pem]\n"
        ).replacingOccurrences(of: "tls/node.pem", with: "tls")
        let problems = try fixture.problems(yaml)
        #expect(
            problems == [
                .init(key: "tls.certificate", reason: "\(fixture.directory)/tls is not a regular file"),
                .init(key: "tls.crls[1]", reason: "file \(fixture.path("crl/b.pem")) does not exist"),
            ]
        )
    }

    @Test("metrics may not take the listener's address and port")
    func portClash() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(ConfigurationFixture.minimal(plus: "metrics:\n  port: 8443\n"))
        #expect(problems == [.init(key: "metrics.port", reason: "is the same address and port as listen.port")])
        // Port 0 twice is fine: the OS gives each its own.
        let zeros = ConfigurationFixture.minimal(plus: "metrics:\n  port: 0\n")
            .replacingOccurrences(of: "listen:\n", with: "listen:\n  port: 0\n")
        let configuration = try fixture.load(zeros)
        #expect(configuration.listen.port == 0 && configuration.metrics.port == 0)
    }
}
