/// `--reader`: how copy passes read the source.
public enum ReaderChoice: String, Sendable, CaseIterable {
    /// Point in time + `search_after` where the cluster pages that way, else sliced scroll
    /// (`ClusterInfo.readStrategy`).
    case auto
    /// Sliced scroll on every cluster: for a cluster whose point in time costs its writers
    /// (osmem copies an index on every write while one is open; docs/compatibility.md).
    case scroll
}
