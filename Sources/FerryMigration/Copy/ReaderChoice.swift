/// `--reader`: how copy passes read the source.
public enum ReaderChoice: String, Sendable, CaseIterable {
    /// Point in time + `search_after` where the cluster pages that way, else sliced scroll
    /// (`ClusterInfo.readStrategy`).
    case auto
    /// Sliced scroll on every cluster: for a cluster whose point in time costs its writers
    /// (on osmem the first write after each point in time is opened copies the whole index;
    /// docs/compatibility.md).
    case scroll
}
