import FerryCore

/// Write blocks, by the API the cluster's version has (`ClusterInfo.hasWriteBlockAPI`).
extension ClusterClient {
    /// Blocks writes to `index`: `PUT /<index>/_block/write` where the cluster has it (it waits
    /// for in-flight writes to finish), else the `index.blocks.write` setting. A server that
    /// claims the version but answers "no handler" for the endpoint gets the setting too.
    public func blockWrites(_ index: String, on info: ClusterInfo) throws {
        if info.hasWriteBlockAPI {
            do {
                try request(.PUT, RequestPath([index, "_block", "write"]))
                return
            } catch let error as ClusterError where Self.isMissingEndpoint(error) {
                logger.debug("no _block/write endpoint; setting index.blocks.write", metadata: ["index": "\(index)"])
            }
        }
        try putSettings(index, body: ["index": ["blocks": ["write": true]]])
    }

    /// Lifts a write block set either way (both set `index.blocks.write`).
    public func unblockWrites(_ index: String) throws {
        try putSettings(index, body: ["index": ["blocks": ["write": .null]]])
    }

    /// The cluster has no such endpoint: "no handler found for uri [...]" (Elasticsearch 7,
    /// OpenSearch: a bare string; Elasticsearch 8: inside an `illegal_argument_exception`) or
    /// 405 "Incorrect HTTP method".
    static func isMissingEndpoint(_ error: ClusterError) -> Bool {
        guard error.kind == .http, let status = error.status, [400, 404, 405].contains(status) else { return false }
        let reason = error.reason ?? ""
        return reason.contains("no handler found for uri") || reason.contains("Incorrect HTTP method")
    }
}
