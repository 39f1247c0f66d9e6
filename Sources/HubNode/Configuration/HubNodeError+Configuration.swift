// Why a configuration could not be loaded: `Detail.configuration`, listing
// every problem found, each naming the key (or environment variable) at fault
// and the reason. `NodeConfiguration.load(path:environment:)` collects all
// problems before it throws, so an operator fixes a file in one pass.

extension HubNodeError {
    /// An error for the configuration file `file` listing `problems` (in the
    /// order found, never empty); its message is the header line naming the
    /// file and the number of problems.
    public init(configurationFile file: String, problems: [ConfigurationProblem]) {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        self.init(
            .invalidConfiguration,
            "invalid configuration \(file) (\(count))",
            detail: .configuration(file: file, problems: problems)
        )
    }

    /// The problems of a configuration file, in the order found; empty for
    /// an error of another part.
    public var configurationProblems: [ConfigurationProblem] {
        if case .configuration(_, let problems) = detail { return problems }
        return []
    }
}

extension HubNodeError.Code {
    /// The configuration file, its values or the files it names are not
    /// usable; the error's detail lists every problem.
    public static let invalidConfiguration = Self("invalid_configuration")
}
