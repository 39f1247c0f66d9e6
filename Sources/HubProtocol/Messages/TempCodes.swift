extension HubProtocolError.Code {
    public static let invalidValue = Self("invalid_value")
}
