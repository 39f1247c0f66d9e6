/// The body of `methodology.publish` (PROTOCOL §10): one version of a method
/// document a team shares. Methodology documents contain no personal data.
public struct MethodologyPublish: Sendable, Hashable, Codable {
    /// The content's format.
    public enum MediaType: String, Sendable, Codable, CaseIterable {
        case markdown = "text/markdown"
        case plain = "text/plain"
    }

    /// The largest content, in UTF-8 bytes.
    public static let maxContentBytes = 1 << 20

    public var docID: String
    public var version: Int
    public var title: String
    public var summary: String
    public var language: String
    public var mediaType: MediaType
    public var content: String
    /// Lowercase hex SHA-256 of the content's UTF-8 bytes.
    public var sha256: String
    /// An SPDX licence identifier or expression.
    public var license: String
    /// The `sha256` of the previous version, or nil for version 1.
    public var supersedes: String?
    public var tags: [String]

    /// Makes a body, computing `sha256` from `content`.
    public init(
        docID: String,
        version: Int,
        title: String,
        summary: String,
        language: String,
        mediaType: MediaType,
        content: String,
        license: String,
        supersedes: String?,
        tags: [String]
    ) {
        self.docID = docID
        self.version = version
        self.title = title
        self.summary = summary
        self.language = language
        self.mediaType = mediaType
        self.content = content
        self.sha256 = Hex.encode(SHA256.hash(Array(content.utf8)))
        self.license = license
        self.supersedes = supersedes
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case docID = "doc_id"
        case version, title, summary, language
        case mediaType = "media_type"
        case content, sha256, license, supersedes, tags
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        docID = try c.decodeUUID(.docID)
        version = try c.decode(Int.self, forKey: .version)
        guard version >= 1 else { throw c.invalid(.version, "must be 1 or more") }
        title = try c.decodeText(.title, max: 200)
        summary = try c.decodeText(.summary, max: 2000, allowEmpty: true)
        language = try c.decode(String.self, forKey: .language)
        guard Self.isLanguageTag(language) else { throw c.invalid(.language, "not a language tag such as nl or en-GB") }
        mediaType = try c.decode(MediaType.self, forKey: .mediaType)
        content = try c.decode(String.self, forKey: .content)
        guard content.utf8.count <= Self.maxContentBytes else { throw c.invalid(.content, "larger than 1 MiB") }
        sha256 = try c.decode(String.self, forKey: .sha256)
        guard sha256 == Hex.encode(SHA256.hash(Array(content.utf8))) else {
            throw c.invalid(.sha256, "does not match the content (lowercase hex SHA-256 of its UTF-8 bytes)")
        }
        license = try c.decodeText(.license, max: 100)
        guard Self.isSPDXExpression(license) else { throw c.invalid(.license, "not an SPDX licence identifier") }
        supersedes = try c.decodeNullable(String.self, forKey: .supersedes)
        if version == 1 {
            guard supersedes == nil else { throw c.invalid(.supersedes, "must be null for version 1") }
        } else {
            guard let s = supersedes, s.utf8.count == 64, Hex.decode(s) != nil, s == s.lowercased() else {
                throw c.invalid(.supersedes, "must be the lowercase hex sha256 of the previous version")
            }
        }
        tags = try c.decode([String].self, forKey: .tags)
        guard tags.count <= 20, tags.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.count <= 50 }) else {
            throw c.invalid(.tags, "at most 20 tags of 1 to 50 characters")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(docID, forKey: .docID)
        try c.encode(version, forKey: .version)
        try c.encode(title, forKey: .title)
        try c.encode(summary, forKey: .summary)
        try c.encode(language, forKey: .language)
        try c.encode(mediaType, forKey: .mediaType)
        try c.encode(content, forKey: .content)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(license, forKey: .license)
        try c.encodeNullable(supersedes, forKey: .supersedes)
        try c.encode(tags, forKey: .tags)
    }

    /// BCP 47 shape: 2–3 letter language, optional subtags of 2–8 letters or digits.
    static func isLanguageTag(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return parts.dropFirst().allSatisfy {
            (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    /// SPDX license expression shape: identifiers (letters, digits, `.`, `-`, `+`)
    /// joined by `AND`, `OR` or `WITH`, optionally parenthesised.
    static func isSPDXExpression(_ s: String) -> Bool {
        let tokens = s.replacingParentheses().split(separator: " ")
        guard !tokens.isEmpty else { return false }
        var expectIdentifier = true
        for t in tokens {
            if expectIdentifier {
                guard
                    t.allSatisfy({
                        $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == ":")
                    }),
                    !["AND", "OR", "WITH"].contains(t)
                else { return false }
            } else {
                guard ["AND", "OR", "WITH"].contains(t) else { return false }
            }
            expectIdentifier.toggle()
        }
        return !expectIdentifier
    }
}

extension String {
    fileprivate func replacingParentheses() -> String {
        String(map { $0 == "(" || $0 == ")" ? " " : $0 })
    }
}

/// The body of `methodology.retract`: marks one version withdrawn; it is kept.
public struct MethodologyRetract: Sendable, Hashable, Codable {
    public var docID: String
    public var version: Int
    public var reason: String

    /// Makes a body.
    public init(docID: String, version: Int, reason: String) {
        self.docID = docID
        self.version = version
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case docID = "doc_id"
        case version, reason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        docID = try c.decodeUUID(.docID)
        version = try c.decode(Int.self, forKey: .version)
        guard version >= 1 else { throw c.invalid(.version, "must be 1 or more") }
        reason = try c.decodeText(.reason, max: 500)
    }
}
