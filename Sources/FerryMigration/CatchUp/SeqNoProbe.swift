/// Whether the cluster selects documents by a `range` on `_seq_no`, checked on a document known
/// to be there (osmem answers such a range with zero hits instead of an error, so an empty
/// answer proves nothing), and the `_seq_no` checkpoint of an index.
import Foundation
import FerryCluster
import FerryCore

enum SeqNoProbe {
    /// Documents whose `_seq_no` is above `checkpoint`.
    static func above(_ checkpoint: Int64) -> JSONValue {
        ["range": ["_seq_no": ["gt": .int(checkpoint)]]]
    }

    /// Nil when a range on `_seq_no` finds a document of `index` at its `_seq_no` (gte) and
    /// not above it (gt), in a search and in a count; else what went wrong.
    static func failure(client: ClusterClient, index: String) -> String? {
        do {
            try client.refresh(index)
            let sample = try client.search(index: index, body: ["size": 1, "seq_no_primary_term": true, "_source": false])
            guard let hit = sample.hits.first, let seqNo = hit.seqNo else {
                return "\(index) has no document to probe with"
            }
            func only(_ op: String) -> JSONValue {
                ["bool": ["filter": [["ids": ["values": [.string(hit.id)]]], ["range": ["_seq_no": [.init(stringLiteral: op): .int(seqNo)]]]]]]
            }
            let found = try client.search(index: index, body: ["size": 1, "_source": false, "query": only("gte")]).hits.count
            let counted = try client.count(index, query: only("gte"))
            let beyond = try client.count(index, query: only("gt"))
            guard found == 1, counted == 1 else {
                return "a range on _seq_no (gte \(seqNo)) found \(found) hit(s) and counted \(counted) for document \(hit.id), whose _seq_no is \(seqNo) (the cluster ignores such ranges, as osmem does)"
            }
            guard beyond == 0 else {
                return "a range on _seq_no above \(seqNo) still matched document \(hit.id), whose _seq_no is \(seqNo)"
            }
            return nil
        } catch {
            return "the probe failed: \(error)"
        }
    }

    /// The lowest of the shards' highest `_seq_no` (-1 when a shard has no document): every
    /// later write to any shard gets a higher one. Shard by shard (`preference=_shards:N`),
    /// since sequence numbers are per shard.
    static func checkpoint(client: ClusterClient, index: String) throws -> Int64 {
        try client.refresh(index)
        let settings = try client.getSettings(index)
        let shards = (settings["index"]?["number_of_shards"]).flatMap { $0.intValue ?? $0.stringValue.flatMap { Int64($0) } } ?? 1
        var lowest = Int64.max
        for shard in 0..<max(1, shards) {
            let page = try client.search(
                index: index, body: ["size": 0, "aggs": ["top": ["max": ["field": "_seq_no"]]]],
                query: [("preference", "_shards:\(shard)")])
            let value = try JSONValue.parse(page.body)["aggregations"]?["top"]?["value"]
            lowest = min(lowest, value?.doubleValue.map { Int64($0) } ?? -1)
        }
        return lowest
    }
}
