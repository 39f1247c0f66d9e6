internal import COpenSSL

extension TrustBundle {
    /// Verifies `leaf` through `intermediates` to one of the roots, at `time`.
    ///
    /// OpenSSL builds and checks the chain (`X509_verify_cert`) with
    /// `X509_V_FLAG_X509_STRICT`, the check time set explicitly and no partial
    /// chains: it must end at a self-signed root of this bundle.
    ///
    /// Revocation: when the bundle has CRLs, `X509_V_FLAG_CRL_CHECK` and
    /// `X509_V_FLAG_CRL_CHECK_ALL` are set, so every certificate in the chain whose
    /// issuer has a configured CRL is checked against it (signature, issuer key,
    /// scope and the revoked list all by OpenSSL). Two OpenSSL verdicts are then
    /// overruled, and only these:
    /// - "unable to get CRL" for a certificate whose issuer has no CRL configured
    ///   at all: that certificate is accepted unchecked and
    ///   ``VerifiedChain/revocationChecked`` is false. If a CRL *is* configured
    ///   for that issuer name but OpenSSL could not use it (another key, another
    ///   scope), the chain is refused.
    /// - "CRL has expired" while `time` is at most `crlGraceSeconds` past the
    ///   CRL's `nextUpdate` (PROTOCOL §1): the chain verifies with
    ///   ``VerifiedChain/staleCRL`` set, for an operator alert, and the stale
    ///   CRL's revoked list is still enforced. After the grace period the chain is
    ///   refused.
    ///
    /// - Throws: `HubProtocolError(.untrustedCertificate, …)` saying why, in
    ///   operator terms, at which depth (0 = `leaf`).
    public func verify(
        leaf: Certificate,
        intermediates: [Certificate],
        at time: Int64,
        crlGraceSeconds: Int64 = 86400,
        purpose: Purpose = .any
    ) throws -> VerifiedChain {
        guard crlGraceSeconds >= 0 else {
            throw HubProtocolError(.untrustedCertificate, "the CRL grace period cannot be negative")
        }
        guard intermediates.count <= 8 else {
            throw HubProtocolError(
                .untrustedCertificate,
                "\(intermediates.count) intermediate certificates given; at most 8 are accepted"
            )
        }
        let ctx = try OpenSSL.make("X509_STORE_CTX_new") { X509_STORE_CTX_new() }
        defer { X509_STORE_CTX_free(ctx) }
        let untrusted = try OpenSSL.make("sk_X509_new_null") { hub_sk_X509_new_null() }
        // The stack borrows the certificates; `intermediates` keeps them alive until the call returns.
        defer { hub_sk_X509_free(untrusted) }
        for certificate in intermediates {
            guard hub_sk_X509_push(untrusted, certificate.x509) > 0 else {
                throw OpenSSL.error(.crypto, "sk_X509_push failed")
            }
        }
        try OpenSSL.check("X509_STORE_CTX_init") { X509_STORE_CTX_init(ctx, store.store, leaf.x509, untrusted) }

        var flags = hub_X509_V_FLAG_X509_STRICT()
        if !crls.isEmpty { flags |= hub_X509_V_FLAG_crl_all() }
        X509_STORE_CTX_set_flags(ctx, flags)
        // set_time also sets X509_V_FLAG_USE_CHECK_TIME, so the process clock is never consulted.
        X509_STORE_CTX_set_time(ctx, 0, time_t(clamping: time))
        switch purpose {
        case .any: break
        case .tlsClient:
            try OpenSSL.check("X509_STORE_CTX_set_purpose") { X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) }
        case .tlsServer:
            try OpenSSL.check("X509_STORE_CTX_set_purpose") { X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) }
        }

        let state = VerificationState(time: time, graceSeconds: crlGraceSeconds, crls: crls)
        let result: Int32 = try withExtendedLifetime((state, intermediates)) {
            // Index 0 is the application-data slot (X509_STORE_CTX_set_app_data); this ctx is ours alone.
            try OpenSSL.check("X509_STORE_CTX_set_ex_data") {
                X509_STORE_CTX_set_ex_data(ctx, 0, Unmanaged.passUnretained(state).toOpaque())
            }
            X509_STORE_CTX_set_verify_cb(ctx) { ok, ctx in
                guard ok == 0, let ctx, let raw = X509_STORE_CTX_get_ex_data(ctx, 0) else { return ok }
                return Unmanaged<VerificationState>.fromOpaque(raw).takeUnretainedValue().overrule(ctx) ? 1 : 0
            }
            ERR_clear_error()
            return X509_verify_cert(ctx)
        }
        guard result == 1 else {
            let error = X509_STORE_CTX_get_error(ctx)
            let depth = X509_STORE_CTX_get_error_depth(ctx)
            throw HubProtocolError(
                .untrustedCertificate,
                Self.describe(error: error, depth: depth, state: state),
                openSSLErrors: OpenSSL.drainErrors()
            )
        }

        let stack = try OpenSSL.make("X509_STORE_CTX_get1_chain") { X509_STORE_CTX_get1_chain(ctx) }
        defer { hub_sk_X509_pop_free_all(stack) }
        var chain: [Certificate] = [leaf]
        for i in 1..<max(1, hub_sk_X509_num(stack)) {
            guard let x = hub_sk_X509_value(stack, i) else {
                throw OpenSSL.error(.crypto, "the verified chain has a hole")
            }
            chain.append(try Certificate.referencing(x))
        }
        // Depths whose certificate went unchecked; the root (last) needs no CRL.
        let checked = !crls.isEmpty && state.uncheckedDepths.allSatisfy { Int($0) >= chain.count - 1 }
        return VerifiedChain(chain: chain, staleCRL: state.staleCRL, revocationChecked: checked)
    }

    /// An operator-facing reason for an OpenSSL verification error.
    static func describe(error: Int32, depth: Int32, state: VerificationState) -> String {
        let what: String
        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED: what = "expired"
        case X509_V_ERR_CERT_NOT_YET_VALID: what = "not yet valid"
        case X509_V_ERR_CERT_REVOKED: what = "revoked (listed in its issuer's CRL)"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
            X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            what = "unknown issuer: the chain does not end at a root CA of this trust bundle"
        case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE,
            X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
            what = "bad signature: not signed by the CA it names"
        case X509_V_ERR_CRL_HAS_EXPIRED:
            if let next = state.expiredCRLNextUpdate {
                what =
                    "its issuer's CRL expired: past nextUpdate \(next) by more than the \(state.graceSeconds) s grace; refresh the CRL"
            } else {
                what = "its issuer's CRL expired; refresh the CRL"
            }
        case X509_V_ERR_CRL_NOT_YET_VALID: what = "its issuer's CRL is not yet valid (lastUpdate is in the future)"
        case X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
            what = "its issuer's CRL has a bad signature: it is not signed by that CA"
        case X509_V_ERR_UNABLE_TO_GET_CRL:
            what = "no usable CRL: a CRL is configured for its issuer but does not match the issuer's key or scope"
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER: what = "no usable CRL: the CRL's issuer is not in the chain"
        case X509_V_ERR_INVALID_CA, X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
            what = "issued by a certificate that is not allowed to act as a CA"
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
            what = "the chain below this CA is longer than its pathLenConstraint allows"
        case X509_V_ERR_INVALID_PURPOSE: what = "not valid for this use (extendedKeyUsage)"
        case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN: what = "its issuer's CRL is signed by a key without the cRLSign key usage"
        default: what = "refused"
        }
        let detail = X509_verify_cert_error_string(Int(error)).map { String(cString: $0) } ?? "error \(error)"
        let position = depth == 0 ? "depth 0 (the certificate presented)" : "depth \(depth) (a CA certificate)"
        return "certificate chain refused at \(position): \(what) [OpenSSL verify error \(error): \(detail)]"
    }
}

/// What the verify callback needs and learns; lives for one `X509_verify_cert` call
/// on one thread.
final class VerificationState {
    let time: Int64
    let graceSeconds: Int64
    let crls: [CRL]
    /// Depths whose certificate's issuer has no CRL configured (accepted unchecked).
    var uncheckedDepths: Set<Int32> = []
    /// A CRL past nextUpdate but within the grace period was used.
    var staleCRL = false
    /// nextUpdate of the CRL that expired beyond the grace period, for the message.
    var expiredCRLNextUpdate: Int64?

    init(time: Int64, graceSeconds: Int64, crls: [CRL]) {
        self.time = time
        self.graceSeconds = graceSeconds
        self.crls = crls
    }

    /// Whether to accept the error OpenSSL reports in `ctx` (see `TrustBundle.verify`).
    func overrule(_ ctx: OpaquePointer) -> Bool {
        let error = X509_STORE_CTX_get_error(ctx)
        let depth = X509_STORE_CTX_get_error_depth(ctx)
        switch error {
        case X509_V_ERR_UNABLE_TO_GET_CRL:
            guard let certificate = X509_STORE_CTX_get_current_cert(ctx) else { return false }
            let issuer = X509_get_issuer_name(certificate)
            // Fail closed when some configured CRL claims this issuer: OpenSSL refused to use it.
            guard !crls.contains(where: { X509_NAME_cmp(X509_CRL_get_issuer($0.crl), issuer) == 0 }) else {
                return false
            }
            uncheckedDepths.insert(depth)
            return true
        case X509_V_ERR_CRL_HAS_EXPIRED:
            guard let crl = X509_STORE_CTX_get0_current_crl(ctx),
                let next = try? ASN1Time.unixSeconds(X509_CRL_get0_nextUpdate(crl))
            else { return false }
            let (limit, overflow) = next.addingReportingOverflow(graceSeconds)
            guard overflow || time <= limit else {
                expiredCRLNextUpdate = next
                return false
            }
            staleCRL = true
            return true
        default:
            return false
        }
    }
}
