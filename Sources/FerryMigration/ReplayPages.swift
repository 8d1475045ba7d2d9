/// The stored originals of dead letters as a search page, for `ferry deadletters --retry` when
/// the run's source index is gone: the copy pipeline transforms and writes them as it would
/// documents read from the source (same steps, write policy and journaling).
import FerryCluster
import FerryCore
import FerryJournal

enum ReplayPages {
    /// Each dead-lettered id's stored `_source`: the newest letter's, as it failed last.
    static func originals(_ letters: [DeadLetter]) -> [String: [UInt8]] {
        var out: [String: (at: String, source: [UInt8])] = [:]
        for letter in letters {
            guard let source = letter.source, !source.isEmpty else { continue }
            if let seen = out[letter.id], seen.at > letter.recordedAt { continue }
            out[letter.id] = (letter.recordedAt, source)
        }
        return out.mapValues(\.source)
    }

    /// A search response holding `documents` as hits of `index` (the index they were read from).
    static func page(_ documents: [(id: String, source: [UInt8])], index: String) throws -> SearchPage {
        var body = Array(#"{"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":"#.utf8)
        body += Array("\(documents.count),\"relation\":\"eq\"},\"hits\":[".utf8)
        for (i, document) in documents.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += Array("{\"_index\":\(JSONValue.quoted(index)),\"_id\":\(JSONValue.quoted(document.id)),\"_source\":".utf8)
            body += document.source
            body.append(UInt8(ascii: "}"))
        }
        body += Array("]}}".utf8)
        return try SearchPage(body: body)
    }
}
