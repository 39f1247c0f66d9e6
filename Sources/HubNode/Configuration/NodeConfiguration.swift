/// Everything a hub node is configured with: one file (YAML), every key
/// overridable by an environment variable, validated in one place.
///
/// Load it with ``load(path:environment:)``, which resolves relative paths
/// against the file's folder, applies `HUB_…` environment overrides, checks
/// every value and every file the node needs, and reports all problems at
/// once in a ``HubNodeError`` whose detail is
/// ``HubNodeError/Detail/configuration(file:problems:)``. ``referenceYAML`` is
/// a complete, commented file documenting every key and its default;
/// ``referenceMarkdown`` is the same reference as a table
/// (`docs/configuration.md`).
///
/// Each nested value has documented defaults (PROTOCOL.md §2, §3, §6, §11,
/// §13); the sections without a required key can be made with `init()`.
public struct NodeConfiguration: Sendable {
    /// Who this node is: OIN, display name, municipality code.
    ///
    /// Required; there is no default.
    public var identity: Identity

    /// Where the node listens for peers and its own people.
    ///
    /// `listen.public_endpoint` is required; the other keys have defaults.
    public var listen: Listen

    /// The node's certificates, keys, trust bundles and CRLs.
    ///
    /// `certificate`, `key`, `federation_ca` and `local_ca` are required.
    public var tls: TLS

    /// Where the node keeps its database, audit checkpoints and secrets.
    ///
    /// The default puts everything in the configuration file's folder.
    public var storage: Storage

    /// The other nodes of the federation this node talks to.
    ///
    /// The default is no peers.
    public var peers: [Peer]

    /// DoS limits and per-peer quotas (PROTOCOL.md §2, §3, §6).
    ///
    /// The default is ``Limits/init()``, the protocol's defaults.
    public var limits: Limits

    /// How the node delivers its outbox to peers (PROTOCOL.md §6).
    ///
    /// The default is ``Delivery/init()``.
    public var delivery: Delivery

    /// When closed cases lose their identifying data (PROTOCOL.md §13).
    ///
    /// The default is ``Retention/init()``.
    public var retention: Retention

    /// Disclosure control and budgets for federated statistics (PROTOCOL.md §11).
    ///
    /// The default is ``Stats/init()``.
    public var stats: Stats

    /// The Prometheus `/metrics` listener.
    ///
    /// The default is ``Metrics/init()``: enabled, on 127.0.0.1:9464.
    public var metrics: Metrics

    /// Log level and format.
    ///
    /// The default is ``Logging/init()``: `info`, plain text.
    public var logging: Logging

    /// How far, in seconds, a peer's clock may be off before timestamps
    /// (`iat`, `exp`) are refused (PROTOCOL.md §1, §4).
    ///
    /// The default is 300.
    public var clockSkewSeconds: Int

    /// The default clock skew tolerance, in seconds.
    public static let defaultClockSkewSeconds = 300

    /// Makes a configuration from its parts. Nothing is validated here:
    /// ``load(path:environment:)`` is where files are checked.
    public init(
        identity: Identity,
        listen: Listen,
        tls: TLS,
        storage: Storage,
        peers: [Peer] = [],
        limits: Limits = Limits(),
        delivery: Delivery = Delivery(),
        retention: Retention = Retention(),
        stats: Stats = Stats(),
        metrics: Metrics = Metrics(),
        logging: Logging = Logging(),
        clockSkewSeconds: Int = NodeConfiguration.defaultClockSkewSeconds
    ) {
        self.identity = identity
        self.listen = listen
        self.tls = tls
        self.storage = storage
        self.peers = peers
        self.limits = limits
        self.delivery = delivery
        self.retention = retention
        self.stats = stats
        self.metrics = metrics
        self.logging = logging
        self.clockSkewSeconds = clockSkewSeconds
    }
}
