import FerryCore

/// What each supported distribution and version offers, decided from `GET /`: the one place
/// that knows how Elasticsearch 7/8 and OpenSearch 1–3 differ. Versions are from the vendors'
/// API docs; docs/compatibility.md has the matrix and what ran against a live server.
extension ClusterInfo {
    public static let supportedRange = "Elasticsearch 7.x–8.x and OpenSearch 1.x–3.x"

    /// How a point in time is opened and closed, where there is one.
    public enum PointInTimeAPI: Sendable, Hashable {
        /// Elasticsearch 7.10+: `POST /<index>/_pit` → `{"id"}`, `DELETE /_pit {"id"}`.
        case elasticsearch
        /// OpenSearch 2.4+: `POST /<index>/_search/point_in_time` → `{"pit_id"}`,
        /// `DELETE /_search/point_in_time {"pit_id": [...]}`.
        case opensearch
    }

    /// How the copy reads the source.
    public enum ReadStrategy: Sendable, Hashable {
        /// Point in time + `search_after` on `_shard_doc`, sliced inside the PIT when there are slices.
        case pointInTime
        /// (Sliced) scroll: every supported version has it.
        case scroll
    }

    /// Throws for a distribution or version outside `supportedRange`, naming it.
    public func checkSupported() throws {
        let range = distribution == .elasticsearch ? 7...8 : 1...3
        let major = effectiveVersion.major
        guard !range.contains(major) else { return }
        throw FerryError(
            "\(self) is not supported: ferry works with \(Self.supportedRange)",
            hint: major < range.lowerBound
                ? "upgrade the cluster, or migrate with the tools of its version"
                : "this version has not been checked yet; see docs/compatibility.md")
    }

    /// The version the capabilities are judged by. OpenSearch with
    /// `compatibility.override_main_response_version` (1.x and 2.x) claims 7.10.2 and hides
    /// its real version: it is judged as 1.0, the most cautious choice (scroll reads).
    var effectiveVersion: Version {
        distribution == .opensearch && version.major == 7 ? Version("1.0.0") : version
    }

    public var pointInTimeAPI: PointInTimeAPI? {
        switch distribution {
        case .elasticsearch: effectiveVersion.isAtLeast(7, 10) ? .elasticsearch : nil
        case .opensearch: effectiveVersion.isAtLeast(2, 4) ? .opensearch : nil
        }
    }

    /// `search_after` on `_shard_doc` inside a point in time: Elasticsearch 7.12+, OpenSearch 3+.
    public var pagesPointInTimeByShardDoc: Bool {
        switch distribution {
        case .elasticsearch: effectiveVersion.isAtLeast(7, 12)
        case .opensearch: effectiveVersion.isAtLeast(3)
        }
    }

    /// `slice` inside a point-in-time search: Elasticsearch 7.15+; OpenSearch 3+ (with `_shard_doc`).
    public var slicesPointInTime: Bool {
        switch distribution {
        case .elasticsearch: effectiveVersion.isAtLeast(7, 15)
        case .opensearch: effectiveVersion.isAtLeast(3)
        }
    }

    /// Point in time where the cluster pages it by `_shard_doc` (and, for more than one slice,
    /// slices it); scroll otherwise.
    public func readStrategy(slices: Int) -> ReadStrategy {
        guard pointInTimeAPI != nil, pagesPointInTimeByShardDoc, slices <= 1 || slicesPointInTime else { return .scroll }
        return .pointInTime
    }

    /// `PUT /<index>/_block/write` (waits for in-flight writes): Elasticsearch 7.9+, every OpenSearch.
    public var hasWriteBlockAPI: Bool {
        switch distribution {
        case .elasticsearch: effectiveVersion.isAtLeast(7, 9)
        case .opensearch: true
        }
    }

    /// Composable templates (`/_index_template`): Elasticsearch 7.8+, every OpenSearch.
    /// Before that only legacy `/_template`.
    public var hasComposableTemplates: Bool {
        switch distribution {
        case .elasticsearch: effectiveVersion.isAtLeast(7, 8)
        case .opensearch: true
        }
    }
}
