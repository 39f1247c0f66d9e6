extension HubProtocolError.Code {
    /// A certificate chains to a bundle but breaks that bundle's rules (PROTOCOL §1):
    /// answered with `403 certificate_not_allowed`.
    public static let certificateNotAllowed = Self("certificate_not_allowed")
}

/// The rules of PROTOCOL §1 for certificates that already verified against one of
/// the node's two bundles. Messages name the rule, never the certificate's names.
public enum TrustRules {
    /// The identity of a node certificate that verified against the federation bundle.
    ///
    /// It must be an end-entity certificate with an OIN (subject `serialNumber`,
    /// 20 digits); a role marker is optional but, if present, must be the single
    /// URI `urn:hub:role:node`. Whether the OIN is a configured peer is the
    /// caller's check (`403 unknown_peer`).
    public static func federationPeer(_ certificate: Certificate) throws -> PeerIdentity {
        try requireEndEntity(certificate)
        guard let oin = certificate.oin else {
            throw HubProtocolError(
                .certificateNotAllowed,
                "a node certificate needs an OIN (subject serialNumber of 20 digits)"
            )
        }
        let markers = certificate.roleURIs
        guard markers.isEmpty || (markers.count == 1 && certificate.role == .node) else {
            throw HubProtocolError(
                .certificateNotAllowed,
                "a node certificate may carry only the role URI \(Role.node.uri) (found \(markers.count) role URI(s), not that one)"
            )
        }
        return PeerIdentity(
            bundle: .federation,
            oin: oin,
            role: .node,
            commonName: certificate.subjectCommonName,
            spkiSHA256: certificate.spkiSHA256
        )
    }

    /// The identity of a person's or tool's certificate that verified against the local bundle.
    ///
    /// It must be an end-entity certificate with exactly one role URI naming
    /// `caseworker`, `researcher` or `operator`, a subject `serialNumber` equal to
    /// `nodeOIN`, and a subject `CN` (the stable name audit entries use).
    public static func localPeer(_ certificate: Certificate, nodeOIN: String) throws -> PeerIdentity {
        try requireEndEntity(certificate)
        let markers = certificate.roleURIs
        guard markers.count == 1 else {
            throw HubProtocolError(
                .certificateNotAllowed,
                "a local certificate needs exactly one role URI \(Role.uriPrefix)<role> (found \(markers.count))"
            )
        }
        guard let role = certificate.role, role != .node else {
            throw HubProtocolError(
                .certificateNotAllowed,
                "a local certificate's role must be caseworker, researcher or operator"
            )
        }
        guard certificate.subjectSerialNumber == nodeOIN, Certificate.isOIN(nodeOIN) else {
            throw HubProtocolError(
                .certificateNotAllowed,
                "a local certificate's subject serialNumber must be this node's OIN"
            )
        }
        guard let name = certificate.subjectCommonName, !name.isEmpty else {
            throw HubProtocolError(.certificateNotAllowed, "a local certificate needs exactly one non-empty subject CN")
        }
        return PeerIdentity(
            bundle: .local,
            oin: nodeOIN,
            role: role,
            commonName: name,
            spkiSHA256: certificate.spkiSHA256
        )
    }

    /// The identity of `chain`'s leaf under the rules of the bundle it verified against.
    public static func identity(
        of chain: VerifiedChain,
        bundle: PeerIdentity.Bundle,
        nodeOIN: String
    ) throws -> PeerIdentity {
        switch bundle {
        case .federation: try federationPeer(chain.leaf)
        case .local: try localPeer(chain.leaf, nodeOIN: nodeOIN)
        }
    }

    static func requireEndEntity(_ certificate: Certificate) throws {
        guard !certificate.isCA else {
            throw HubProtocolError(.certificateNotAllowed, "a CA certificate cannot identify a node or a person")
        }
    }
}
