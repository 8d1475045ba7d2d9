import FerryCore

/// What `GET /` says about the cluster: which product and which version, so callers can
/// adapt (see ClusterCapabilities.swift for what each version offers).
public struct ClusterInfo: Sendable, Hashable, CustomStringConvertible {
    public enum Distribution: String, Sendable, Hashable {
        case elasticsearch
        case opensearch
    }

    public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let major: Int
        public let minor: Int
        public let patch: Int
        /// As the cluster reports it, e.g. "8.13.4" or "3.8.0-SNAPSHOT".
        public let string: String

        public init(_ string: String) {
            self.string = string
            let core = string.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? string
            let numbers = core.split(separator: ".").map { Int($0) ?? 0 }
            major = numbers.count > 0 ? numbers[0] : 0
            minor = numbers.count > 1 ? numbers[1] : 0
            patch = numbers.count > 2 ? numbers[2] : 0
        }

        public static func < (a: Version, b: Version) -> Bool {
            (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }

        public func isAtLeast(_ major: Int, _ minor: Int = 0, _ patch: Int = 0) -> Bool {
            (self.major, self.minor, self.patch) >= (major, minor, patch)
        }

        public var description: String { string }
    }

    public let distribution: Distribution
    public let version: Version
    public let clusterName: String?

    public init(distribution: Distribution, version: Version, clusterName: String? = nil) {
        self.distribution = distribution
        self.version = version
        self.clusterName = clusterName
    }

    /// Parses a `GET /` body. Elasticsearch has no `version.distribution` (it may have
    /// `build_flavor`); OpenSearch says `"distribution": "opensearch"`.
    public init?(json: JSONValue) {
        guard let number = json["version"]?["number"]?.stringValue else { return nil }
        let distribution = json["version"]?["distribution"]?.stringValue?.lowercased()
        self.distribution = distribution == "opensearch" ? .opensearch : .elasticsearch
        version = Version(number)
        clusterName = json["cluster_name"]?.stringValue
    }

    public var description: String {
        if distribution == .opensearch, version.major == 7 {
            return "OpenSearch (reporting version \(version) for compatibility)"
        }
        return "\(distribution == .opensearch ? "OpenSearch" : "Elasticsearch") \(version)"
    }
}
