public import Foundation

extension NodeConfiguration {
    /// Loads, overrides and validates the configuration in the YAML file at
    /// `path`.
    ///
    /// 1. The file is parsed; duplicate keys and keys that are not
    ///    documented (``keys``) are refused, at every level.
    /// 2. Each `HUB_…` variable in `environment` replaces the file's value
    ///    (see ``ConfigurationKey/environmentVariable``; lists are
    ///    comma-separated, peers are `HUB_PEERS`).
    /// 3. Every value is checked; relative paths are resolved against the
    ///    file's folder; the files the node reads (certificates, keys, CA
    ///    bundles, CRLs) must exist and be readable, private keys must have
    ///    mode 0600 or stricter, and the folders of the files the node
    ///    creates (database, checkpoints, pseudonym key, sealing keys) must
    ///    exist.
    ///
    /// - Throws: ``HubNodeError`` with code
    ///   ``HubNodeError/Code/invalidConfiguration``, listing every problem
    ///   found, each naming its key or environment variable.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> NodeConfiguration {
        let file = ConfigurationReader.normalize(
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        )
        let directory = String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)])
        let text = try readText(file)

        var source = ConfigurationSource()
        source.read(yaml: text, file: file)
        if source.fileIsUnusable { throw HubNodeError(configurationFile: file, problems: source.problems) }
        source.apply(environment: environment)
        var reader = ConfigurationReader(source: source, directory: directory.isEmpty ? "/" : directory)
        let configuration = decode(&reader)
        assert(reader.consumed == Set(keys.map(\.path)), "the decoder and the documented keys disagree")
        configuration.validate(&reader)
        let problems = source.problems + reader.problems
        guard problems.isEmpty else { throw HubNodeError(configurationFile: file, problems: problems) }
        return configuration
    }

    /// The text of the configuration file; a file that cannot be read is
    /// the one problem reported.
    private static func readText(_ file: String) throws -> String {
        func failure(_ reason: String) -> HubNodeError {
            HubNodeError(configurationFile: file, problems: [.init(key: file, reason: reason)])
        }
        if let reason = ConfigurationFileCheck.readableFile(file) { throw failure(reason) }
        guard let data = FileManager.default.contents(atPath: file) else { throw failure("cannot be read") }
        guard data.count <= 1 << 20 else { throw failure("is larger than 1 MiB") }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("is not UTF-8 text") }
        return text
    }

    /// Builds the configuration from raw values; a value that does not fit
    /// is a problem in `reader` and leaves a placeholder or the default.
    private static func decode(_ r: inout ConfigurationReader) -> NodeConfiguration {
        let identity = Identity(
            oin: r.oin("identity.oin", required: true) ?? "",
            name: r.text("identity.name", required: true).map { checkName($0, r.name("identity.name"), &r) } ?? "",
            municipalityCode: r.text("identity.municipality_code", required: true).map {
                checkMunicipalityCode($0, r.name("identity.municipality_code"), &r)
            } ?? ""
        )

        var listen = Listen(publicEndpoint: r.endpoint("listen.public_endpoint", required: true) ?? placeholder)
        r.host("listen.address", &listen.address)
        r.int("listen.port", &listen.port, in: 0...65_535)

        let tls = TLS(
            certificate: r.path("tls.certificate", required: true) ?? "",
            key: r.path("tls.key", required: true) ?? "",
            signingCertificate: r.path("tls.signing_certificate"),
            signingKey: r.path("tls.signing_key"),
            federationCA: r.path("tls.federation_ca", required: true) ?? "",
            localCA: r.path("tls.local_ca", required: true) ?? "",
            crls: r.list("tls.crls")?.map { r.resolve($0.value) } ?? []
        )

        var storage = Storage(
            directory: r.directory,
            database: r.path("storage.database"),
            auditCheckpoints: r.path("storage.audit_checkpoints"),
            pseudonymKey: r.path("storage.pseudonym_key"),
            encryptionKeys: r.path("storage.encryption_keys")
        )
        r.choice("storage.synchronous", &storage.synchronous)

        let peers = decodePeers(&r)

        var limits = Limits()
        r.int("limits.max_body_bytes", &limits.maxBodyBytes, in: 1024...(1 << 30))
        r.int("limits.max_header_bytes", &limits.maxHeaderBytes, in: 1024...(1 << 20))
        r.int("limits.idle_timeout_seconds", &limits.idleTimeoutSeconds, in: 1...86_400)
        r.int("limits.request_timeout_seconds", &limits.requestTimeoutSeconds, in: 1...3600)
        r.int("limits.handshake_timeout_seconds", &limits.handshakeTimeoutSeconds, in: 1...600)
        r.int("limits.max_handshakes_per_address", &limits.maxHandshakesPerAddress, in: 1...100_000)
        r.int("limits.max_connections_per_identity", &limits.maxConnectionsPerIdentity, in: 1...10_000)
        r.int("limits.daily_message_quota", &limits.dailyMessageQuota, in: 1...1_000_000_000)
        r.int("limits.stored_bytes_quota", &limits.storedBytesQuota, in: (1 << 20)...(1 << 50))
        r.int("limits.max_batch_messages", &limits.maxBatchMessages, in: 1...100)
        r.int("limits.max_batch_bytes", &limits.maxBatchBytes, in: 1024...(1 << 30))

        var delivery = Delivery()
        r.int("delivery.backoff_initial_seconds", &delivery.backoffInitialSeconds, in: 1...3600)
        r.int("delivery.backoff_max_seconds", &delivery.backoffMaxSeconds, in: 1...86_400)
        r.int("delivery.parking_age_seconds", &delivery.parkingAgeSeconds, in: 60...(365 * 86_400))
        r.int(
            "delivery.descriptor_lifetime_seconds",
            &delivery.descriptorLifetimeSeconds,
            in: 60...Delivery.maxDescriptorLifetimeSeconds
        )
        r.int(
            "delivery.message_lifetime_seconds",
            &delivery.messageLifetimeSeconds,
            in: 60...Delivery.maxMessageLifetimeSeconds
        )
        r.int("delivery.connect_timeout_seconds", &delivery.connectTimeoutSeconds, in: 1...600)
        r.int("delivery.request_timeout_seconds", &delivery.requestTimeoutSeconds, in: 1...3600)

        var retention = Retention()
        r.int("retention.closed_case_age_days", &retention.closedCaseAgeDays, in: 1...36_500)
        if let text = r.text("retention.run_daily_at") {
            if let time = TimeOfDay(text) {
                retention.runDailyAt = time
            } else {
                r.fail(
                    "retention.run_daily_at",
                    "must be a time HH:MM from 00:00 to 23:59, not \(ConfigurationReader.quoted(text))"
                )
            }
        }

        var stats = Stats()
        if let coordinators = r.list("stats.allowed_coordinators") {
            for item in coordinators where !ConfigurationReader.isOIN(item.value) {
                r.fail(named: item.name, "must be 20 digits")
            }
            stats.allowedCoordinators = coordinators.map(\.value)
        }
        r.int("stats.max_queries_per_coordinator_per_day", &stats.maxQueriesPerCoordinatorPerDay, in: 1...100_000)
        r.int("stats.min_cell", &stats.minCell, in: 1...1000)
        r.int("stats.round_to", &stats.roundTo, in: 1...1000)
        r.epsilon("stats.epsilon_per_requester", &stats.epsilonPerRequester)
        r.epsilon("stats.epsilon_per_year", &stats.epsilonPerYear)

        var metrics = Metrics()
        r.bool("metrics.enabled", &metrics.enabled)
        r.host("metrics.address", &metrics.address)
        r.int("metrics.port", &metrics.port, in: 0...65_535)

        var logging = Logging()
        r.choice("logging.level", &logging.level)
        r.choice("logging.format", &logging.format)

        var clockSkewSeconds = defaultClockSkewSeconds
        r.int("clock_skew_seconds", &clockSkewSeconds, in: 0...3600)

        return NodeConfiguration(
            identity: identity,
            listen: listen,
            tls: tls,
            storage: storage,
            peers: peers,
            limits: limits,
            delivery: delivery,
            retention: retention,
            stats: stats,
            metrics: metrics,
            logging: logging,
            clockSkewSeconds: clockSkewSeconds
        )
    }

    private static func decodePeers(_ r: inout ConfigurationReader) -> [Peer] {
        var peers: [Peer] = []
        for (fields, name) in r.peers("peers") where !r.alreadyReported.contains(name) {
            let peerName = fields["name"].map { checkName($0, name + ".name", &r) }
            let oin = fields["oin"]
            let endpoint = fields["endpoint"].map { NodeConfiguration.Endpoint.parse($0) }
            for field in ["name", "oin", "endpoint"] where fields[field] == nil {
                r.fail(named: "\(name).\(field)", "is required")
            }
            if let oin, !ConfigurationReader.isOIN(oin) { r.fail(named: name + ".oin", "must be 20 digits") }
            if case .failure(let problem) = endpoint { r.fail(named: name + ".endpoint", problem.reason) }
            guard let peerName, let oin, case .success(let url) = endpoint else { continue }
            peers.append(Peer(name: peerName, oin: oin, endpoint: url))
        }
        return peers
    }

    /// A display name: 1–100 characters, no control characters.
    private static func checkName(_ text: String, _ key: String, _ r: inout ConfigurationReader) -> String {
        let control = text.unicodeScalars.contains { $0.properties.generalCategory == .control }
        if text.isEmpty || text.count > 100 || control {
            r.fail(named: key, "must be 1 to 100 characters without control characters")
        }
        return text
    }

    private static func checkMunicipalityCode(_ text: String, _ key: String, _ r: inout ConfigurationReader) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, text.hasPrefix("GM"), bytes[2...].allSatisfy({ (0x30...0x39).contains($0) }) else {
            r.fail(named: key, "must be GM and 4 digits, e.g. GM0202, not \(ConfigurationReader.quoted(text))")
            return text
        }
        return text
    }

    private static let placeholder = Endpoint(host: "invalid")!
}
