extension NodeConfiguration {
    /// Checks what single values cannot: keys that go together, peers
    /// against each other and this node, and the files and folders named.
    func validate(_ r: inout ConfigurationReader) {
        // TLS: a separate signing pair is all or nothing.
        if (tls.signingCertificate == nil) != (tls.signingKey == nil) {
            let missing = tls.signingKey == nil ? "tls.signing_key" : "tls.signing_certificate"
            let present = tls.signingKey == nil ? "tls.signing_certificate" : "tls.signing_key"
            r.fail(named: r.name(missing), "is required when \(r.name(present)) is set")
        }

        validatePeers(&r)

        if let coordinators = r.list("stats.allowed_coordinators") {
            let known = Set(peers.map(\.oin) + [identity.oin])
            for item in coordinators where ConfigurationReader.isOIN(item.value) && !known.contains(item.value) {
                r.fail(named: item.name, "is neither a configured peer nor this node")
            }
        }

        if delivery.backoffMaxSeconds < delivery.backoffInitialSeconds {
            r.fail(
                "delivery.backoff_max_seconds",
                "must be at least \(r.name("delivery.backoff_initial_seconds")) (\(delivery.backoffInitialSeconds))"
            )
        }

        if metrics.enabled, metrics.port != 0, metrics.port == listen.port, metrics.address == listen.address {
            r.fail("metrics.port", "is the same address and port as listen.port")
        }

        validateFiles(&r)
    }

    private func validatePeers(_ r: inout ConfigurationReader) {
        var names: [String: String] = [:]
        var oins: [String: String] = [:]
        for (fields, key) in r.peers("peers") {
            // Names differing only in case would be confusing in logs and commands.
            if let name = fields["name"]?.lowercased(), !name.isEmpty {
                if let first = names[name] {
                    r.fail(named: key + ".name", "repeats the name of \(first)")
                } else {
                    names[name] = key
                }
            }
            guard let oin = fields["oin"], ConfigurationReader.isOIN(oin) else { continue }
            if oin == identity.oin {
                r.fail(named: key + ".oin", "is this node's own OIN (identity.oin)")
            } else if let first = oins[oin] {
                r.fail(named: key + ".oin", "repeats the OIN of \(first)")
            } else {
                oins[oin] = key
            }
        }
    }

    private func validateFiles(_ r: inout ConfigurationReader) {
        // Files the node reads: they must be there.
        let readable: [(String, String?)] = [
            ("tls.certificate", tls.certificate),
            ("tls.signing_certificate", tls.signingCertificate),
            ("tls.federation_ca", tls.federationCA),
            ("tls.local_ca", tls.localCA),
        ]
        for case (let key, let path?) in readable where !path.isEmpty {
            if let reason = ConfigurationFileCheck.readableFile(path) { r.fail(key, reason) }
        }
        let secrets: [(String, String?)] = [("tls.key", tls.key), ("tls.signing_key", tls.signingKey)]
        for case (let key, let path?) in secrets where !path.isEmpty {
            if let reason = ConfigurationFileCheck.secretFile(path) { r.fail(key, reason) }
        }
        for (item, path) in zip(r.list("tls.crls") ?? [], tls.crls) {
            if let reason = ConfigurationFileCheck.readableFile(path) { r.fail(named: item.name, reason) }
        }

        // Files and folders the node creates: their folders must be there.
        let created: [(key: String, path: String, secret: Bool)] = [
            ("storage.database", storage.database, false),
            ("storage.audit_checkpoints", storage.auditCheckpoints, false),
            ("storage.pseudonym_key", storage.pseudonymKey, true),
        ]
        for file in created {
            if let reason = ConfigurationFileCheck.creatableFile(file.path, secret: file.secret) {
                r.fail(file.key, reason)
            }
        }
        if let reason = ConfigurationFileCheck.creatableSecretFolder(storage.encryptionKeys) {
            r.fail("storage.encryption_keys", reason)
        }

        // Two storage keys naming one path would overwrite each other.
        var seen: [String: String] = [:]
        for (key, path) in created.map({ ($0.key, $0.path) }) + [("storage.encryption_keys", storage.encryptionKeys)] {
            if let first = seen[path] {
                r.fail(key, "is the same path as \(r.name(first))")
            } else {
                seen[path] = key
            }
        }
    }
}
