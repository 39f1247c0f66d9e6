import HubProtocol
public import Hummingbird

/// The operators' key endpoints (role `operator`, docs/openapi.yaml):
/// `GET /v1/local/keys` lists the encryption keys with their dates, and
/// `POST /v1/local/keys/rotate-enc` makes a new one current (audited as
/// `keys.rotate_enc`, kids only). No key material ever leaves the node.
public struct KeysAPI: Sendable {
    let keys: KeyringService

    /// Makes the API.
    public init(keys: KeyringService) {
        self.keys = keys
    }

    /// Registers the routes.
    public func register(on router: Router<HubRequestContext>) {
        router.route(.get, "/v1/local/keys") { _, _ in
            jsonResponse(
                .object([
                    "descriptor_lifetime_seconds": .integer(keys.descriptorLifetime),
                    "opens_after_withdrawal_seconds": .integer(KeyringSchedule.opensAfterWithdrawalSeconds),
                    "keys": .array(keys.entries().map(Self.describe)),
                ])
            )
        }
        router.route(.post, "/v1/local/keys/rotate-enc") { _, context in
            let rotation: EncryptionKeyring.Rotation
            do {
                rotation = try await keys.rotate(actor: OperatorAPI.actor(context))
            } catch let error as HubProtocolError {
                throw HubHTTPError(.internalServerError, "key_rotation_failed", error.message)
            } catch let error as HubNodeError where error.isStorageUnavailable {
                throw HubHTTPError.storageUnavailable
            }
            return jsonResponse(
                .object([
                    "kid": .string(rotation.kid),
                    "created_at": .integer(rotation.createdAt),
                    "previous": .object([
                        "kid": .string(rotation.previous),
                        "leaves_descriptor_at": .integer(rotation.previousLeavesDescriptorAt),
                        "destroy_at": .integer(rotation.previousDestroyAt),
                    ]),
                    "descriptor_kids": .array(keys.keyring.descriptorKeys.map { .string($0.kid ?? "") }),
                ])
            )
        }
    }

    static func describe(_ entry: EncryptionKeyring.Entry) -> JSONValue {
        func time(_ t: Int64?) -> JSONValue { t.map { .integer($0) } ?? .null }
        return .object([
            "kid": .string(entry.kid), "status": .string(entry.status.rawValue),
            "created_at": .integer(entry.record.createdAt), "retired_at": time(entry.record.retiredAt),
            "withdrawn_at": time(entry.record.withdrawnAt), "destroyed_at": time(entry.record.destroyedAt),
            "leaves_descriptor_at": time(entry.leavesDescriptorAt), "destroy_at": time(entry.destroyAt),
        ])
    }
}
