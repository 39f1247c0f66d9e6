extension NodeConfiguration {
    /// Who this node is (PROTOCOL.md §1). Every key is required.
    public struct Identity: Sendable, Hashable {
        /// The organisation's OIN: 20 ASCII digits, the `serialNumber` in the
        /// node's certificate subject. Test OINs start with `9999`.
        ///
        /// Required; there is no default.
        public var oin: String

        /// The display name, e.g. `Gemeente Arnhem`.
        ///
        /// Required; there is no default.
        public var name: String

        /// The CBS municipality code: `GM` and four digits, e.g. `GM0202`.
        ///
        /// Required; there is no default.
        public var municipalityCode: String

        /// Makes an identity.
        public init(oin: String, name: String, municipalityCode: String) {
            self.oin = oin
            self.name = name
            self.municipalityCode = municipalityCode
        }
    }
}
