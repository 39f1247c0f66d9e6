extension NodeConfiguration {
    /// The sections of the file in reference order, each with what it is for.
    static let sections: [(name: String, meaning: String)] = [
        ("identity", "Who this node is (PROTOCOL.md §1)."),
        ("listen", "Where the node listens for peers and its own people; mutual TLS on every connection."),
        (
            "tls",
            "Certificates, keys, trust bundles and CRLs (PROTOCOL.md §1, §2). Every file named here must exist"
                + " and be readable; private keys must have mode 0600 or stricter."
        ),
        (
            "storage",
            "Where the node keeps its state. These may not exist yet (the node creates them at first start),"
                + " but their folders must; a secret that exists must not be accessible by group or others."
        ),
        (
            "peers",
            "The other nodes of the federation. A client authenticated through the federation bundle is a"
                + " node if and only if its OIN is listed here; any other gets 403 unknown_peer."
        ),
        ("limits", "DoS limits and per-peer quotas (PROTOCOL.md §2, §3, §6)."),
        ("delivery", "Delivery of the outbox to peers, and lifetimes of what this node signs (PROTOCOL.md §6, §7)."),
        ("retention", "When closed cases lose their identifying data (PROTOCOL.md §13)."),
        ("stats", "Federated statistics: who may ask, and disclosure control (PROTOCOL.md §11)."),
        ("metrics", "The Prometheus /metrics listener (plain HTTP: keep it on a private address)."),
        ("logging", "Log level and format. Logs never hold a citizen's personal data."),
        ("clock_skew_seconds", "Clock tolerance (PROTOCOL.md §1, §4)."),
    ]

    /// Every key of the configuration file, in reference order. Defaults
    /// are taken from the configuration types themselves.
    public static let keys: [ConfigurationKey] = {
        let listen = Listen(publicEndpoint: Endpoint(host: "localhost")!)
        let limits = Limits()
        let delivery = Delivery()
        let retention = Retention()
        let stats = Stats()
        let metrics = Metrics()
        let logging = Logging()
        func value(_ number: Int, _ note: String? = nil) -> ConfigurationKey.Presence {
            .defaulted(yaml: String(number), note: note)
        }
        func value(_ text: String, _ note: String? = nil) -> ConfigurationKey.Presence {
            .defaulted(yaml: text, note: note)
        }
        func inFolder(_ name: String) -> ConfigurationKey.Presence {
            .defaulted(yaml: name, note: "in the configuration file's folder")
        }
        return [
            .init(
                "identity.oin",
                .required(example: "\"99990000000000000001\""),
                "The organisation's OIN: 20 digits, the serialNumber in the node certificate's subject."
                    + " Quote it in YAML. Test OINs start with 9999."
            ),
            .init("identity.name", .required(example: "Gemeente Arnhem"), "The display name."),
            .init(
                "identity.municipality_code",
                .required(example: "GM0202"),
                "The CBS municipality code: GM and four digits."
            ),

            .init(
                "listen.address",
                value(listen.address),
                "The address to bind: an IPv4 or IPv6 address (0.0.0.0 or :: for every interface) or a host name."
            ),
            .init("listen.port", value(listen.port), "The TCP port to bind; 0 lets the operating system choose."),
            .init(
                "listen.public_endpoint",
                .required(example: "https://hub.arnhem.example:8443"),
                "The https:// URL (host, optional port, no path) peers use to reach this node; its host must"
                    + " be a SAN of the node certificate."
            ),

            .init(
                "tls.certificate",
                .required(example: "tls/node.pem"),
                "PEM file: the node certificate (EC P-256), optionally followed by intermediate CA certificates."
            ),
            .init("tls.key", .required(example: "tls/node.key"), "PEM file: its private key, mode 0600 or stricter."),
            .init(
                "tls.signing_certificate",
                .optional(example: "tls/signing.pem", whenAbsent: "the TLS certificate signs"),
                "PEM file: an EC P-256 signing certificate with the same OIN, needed only when the TLS"
                    + " certificate is RSA. Set together with tls.signing_key."
            ),
            .init(
                "tls.signing_key",
                .optional(example: "tls/signing.key", whenAbsent: "the TLS key signs"),
                "PEM file: the signing certificate's private key, mode 0600 or stricter."
            ),
            .init(
                "tls.federation_ca",
                .required(example: "tls/federation-ca.pem"),
                "PEM bundle: the self-signed roots that authenticate nodes (PKIoverheid Private Services in"
                    + " production)."
            ),
            .init(
                "tls.local_ca",
                .required(example: "tls/local-ca.pem"),
                "PEM bundle: the municipality's own roots, which authenticate its case workers, researchers"
                    + " and operators."
            ),
            .init(
                "tls.crls",
                .list,
                value("[]", "none"),
                "PEM files holding CRLs for CAs of either bundle. Environment: comma-separated paths."
            ),

            .init("storage.database", inFolder(Storage.defaultDatabase), "The SQLite database file."),
            .init(
                "storage.synchronous",
                value(Storage.Synchronous.full.rawValue),
                "SQLite's synchronous setting: full (nothing acknowledged is lost on power failure) or normal"
                    + " (faster, but a power failure can lose the last commits, acknowledged ones included)."
            ),
            .init(
                "storage.audit_checkpoints",
                inFolder(Storage.defaultAuditCheckpoints),
                "The file daily signed audit checkpoints are appended to, outside the database (PROTOCOL.md §12)."
            ),
            .init(
                "storage.pseudonym_key",
                inFolder(Storage.defaultPseudonymKey),
                "The pseudonym HMAC key file; created with mode 0600 when missing. Back it up: pseudonyms"
                    + " cannot be recomputed without it."
            ),
            .init(
                "storage.encryption_keys",
                inFolder(Storage.defaultEncryptionKeys),
                "The folder of sealing keys, current and retired; created with mode 0700 when missing."
            ),

            .init(
                "peers",
                .peers,
                value("[]", "none"),
                "A list of {name, oin, endpoint}: a distinct display name, a distinct OIN that is not this"
                    + " node's, and an https:// URL with a host and optional port (443 when absent)."
                    + " Environment: HUB_PEERS holds name=oin@https://host:port entries separated by ;"
                    + " and replaces the whole list."
            ),

            .init(
                "limits.max_body_bytes",
                value(limits.maxBodyBytes, "8 MiB"),
                "Largest request body; larger gets 413."
            ),
            .init(
                "limits.max_header_bytes",
                value(limits.maxHeaderBytes, "16 KiB"),
                "Largest request header block; larger gets 431."
            ),
            .init(
                "limits.idle_timeout_seconds",
                value(limits.idleTimeoutSeconds),
                "An idle connection is closed after this."
            ),
            .init(
                "limits.request_timeout_seconds",
                value(limits.requestTimeoutSeconds),
                "A request not complete after this gets 408."
            ),
            .init("limits.handshake_timeout_seconds", value(limits.handshakeTimeoutSeconds), "TLS handshake timeout."),
            .init(
                "limits.max_handshakes_per_address",
                value(limits.maxHandshakesPerAddress),
                "Handshakes in progress per source address; the next connection is closed unread."
            ),
            .init(
                "limits.max_connections_per_identity",
                value(limits.maxConnectionsPerIdentity),
                "Connections per federation OIN and per local certificate; the excess gets 429."
            ),
            .init(
                "limits.daily_message_quota",
                value(limits.dailyMessageQuota),
                "Messages accepted per peer per calendar day; more get 429 with Retry-After."
            ),
            .init(
                "limits.stored_bytes_quota",
                value(limits.storedBytesQuota, "1 GiB"),
                "Bytes of messages stored per peer; more get 429."
            ),
            .init(
                "limits.max_batch_messages",
                value(limits.maxBatchMessages),
                "Most messages in a batch this node sends (1-100)."
            ),
            .init(
                "limits.max_batch_bytes",
                value(limits.maxBatchBytes, "4 MiB"),
                "Most bytes of messages in a batch this node sends."
            ),

            .init(
                "delivery.backoff_initial_seconds",
                value(delivery.backoffInitialSeconds),
                "First retry delay of the exponential backoff with full jitter."
            ),
            .init(
                "delivery.backoff_max_seconds",
                value(delivery.backoffMaxSeconds, "15 minutes"),
                "Cap of the retry delay; at least backoff_initial_seconds."
            ),
            .init(
                "delivery.parking_age_seconds",
                value(delivery.parkingAgeSeconds, "5 days"),
                "A message undelivered for longer is parked for an operator."
            ),
            .init(
                "delivery.descriptor_lifetime_seconds",
                value(delivery.descriptorLifetimeSeconds, "1 day"),
                "Lifetime of the descriptor this node signs; at most 604800 (7 days)."
            ),
            .init(
                "delivery.message_lifetime_seconds",
                value(delivery.messageLifetimeSeconds, "7 days"),
                "exp - iat of the messages this node sends; at most 2592000 (30 days)."
            ),
            .init(
                "delivery.connect_timeout_seconds",
                value(delivery.connectTimeoutSeconds),
                "Time allowed for connecting to a peer, TLS handshake included."
            ),
            .init(
                "delivery.request_timeout_seconds",
                value(delivery.requestTimeoutSeconds),
                "Time allowed for a peer's complete response."
            ),

            .init(
                "retention.closed_case_age_days",
                value(retention.closedCaseAgeDays, "2 years"),
                "Days after closing that a case keeps its identifying data, pseudonyms and sealed messages."
            ),
            .init(
                "retention.run_daily_at",
                value("\"\(retention.runDailyAt)\""),
                "HH:MM, Europe/Amsterdam: when the retention job runs. Quote it in YAML."
            ),

            .init(
                "stats.allowed_coordinators",
                .list,
                .optional(example: "[\"99990000000000000002\"]", whenAbsent: "every configured peer"),
                "OINs whose stats queries this node answers; each a configured peer or this node; [] answers"
                    + " no one. Environment: comma-separated OINs, empty for no one, * for every peer."
            ),
            .init(
                "stats.max_queries_per_coordinator_per_day",
                value(stats.maxQueriesPerCoordinatorPerDay),
                "Stats queries answered per coordinator per calendar day."
            ),
            .init("stats.min_cell", value(stats.minCell), "Cells with 0 < n < min_cell are suppressed."),
            .init(
                "stats.round_to",
                value(stats.roundTo),
                "Released counts and sums are rounded half-up to a multiple."
            ),
            .init(
                "stats.epsilon_per_requester",
                value("\"\(stats.epsilonPerRequester)\""),
                "Differential-privacy budget per (coordinator, requester) per calendar year, a decimal string."
            ),
            .init(
                "stats.epsilon_per_year",
                value("\"\(stats.epsilonPerYear)\""),
                "Differential-privacy budget across all requesters per calendar year, a decimal string."
            ),

            .init("metrics.enabled", value(String(metrics.enabled)), "Whether the metrics listener runs."),
            .init("metrics.address", value(metrics.address), "The address to bind."),
            .init(
                "metrics.port",
                value(metrics.port),
                "The TCP port to bind; 0 lets the operating system choose."
            ),

            .init(
                "logging.level",
                value(logging.level.rawValue),
                "The lowest level logged: trace, debug, info, notice, warning, error or critical."
            ),
            .init(
                "logging.format",
                value(logging.format.rawValue),
                "text (human-readable) or json (one object a line)."
            ),

            .init(
                "clock_skew_seconds",
                value(defaultClockSkewSeconds),
                "How far a peer's clock may be off before iat and exp are refused."
            ),
        ]
    }()

    /// The key at `path`, if there is one.
    static func key(_ path: String) -> ConfigurationKey? { keyIndex[path] }

    private static let keyIndex: [String: ConfigurationKey] = Dictionary(
        uniqueKeysWithValues: keys.map { ($0.path, $0) }
    )
}
