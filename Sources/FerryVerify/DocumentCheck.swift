import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
import FerryScripting

/// Compares target documents with T(source documents), one page of source hits at a time:
/// each page is transformed here (same engine, steps, lookups and `run_started_at` as the
/// run), the same ids are fetched from the target with one `ids` search, and both sides are
/// compared as canonical bytes. Memory holds one page, whatever the index size.
struct DocumentCheck {
    let client: ClusterClient
    let transform: RecomputedTransform
    let subject: VerificationSubject

    /// Source documents read.
    private(set) var read = 0
    /// T returned nil (the run dropped them too).
    private(set) var dropped = 0
    /// The ids of dropped documents, up to `droppedIDLimit`: canaries leave them out of the
    /// source's answer.
    private(set) var droppedIDs: Set<String> = []
    var droppedIDLimit = 10_000
    /// Dead letters of the run met in the source.
    private(set) var deadLetters = 0
    /// Target documents compared with T(source).
    private(set) var compared = 0
    /// Target documents the unexpected-documents pass looked at.
    private(set) var targetScanned = 0

    private enum Expected {
        case document([UInt8])
        /// Must not be in the target, for this reason.
        case absent(String)
    }

    /// Checks the `first` hits of one page of source documents against the target.
    mutating func check(_ page: SearchPage, first: Int = .max, into log: inout DifferenceLog) throws {
        var expectations: [(id: String, expected: Expected)] = []
        expectations.reserveCapacity(min(first, page.hits.count))
        for hit in page.hits.prefix(first) {
            read += 1
            if subject.deadLetterIDs.contains(hit.id) {
                deadLetters += 1
                expectations.append((hit.id, .absent("run \(subject.runID ?? "?") recorded it as a dead letter")))
                continue
            }
            switch transform.apply(hit, of: page) {
            case .kept(let bytes):
                expectations.append((hit.id, .document(bytes)))
            case .dropped(let step):
                dropped += 1
                if droppedIDs.count < droppedIDLimit { droppedIDs.insert(hit.id) }
                expectations.append((hit.id, .absent("step \(step) drops it")))
            case .failed(let message):
                log.add(Difference(.transformFailed, hit.id, "\(message) (and the run recorded no dead letter for it)"))
            }
        }
        guard !expectations.isEmpty else { return }

        let targetPage = try searchByIDs(expectations.map(\.id), in: subject.targetIndex, withSource: true, using: client)
        var found: [String: Hit] = [:]
        for hit in targetPage.hits { found[hit.id] = hit }
        for (id, expected) in expectations {
            let hit = found[id]
            switch expected {
            case .absent(let reason):
                if hit != nil { log.add(Difference(.unexpected, id, "in \(subject.targetIndex), but \(reason)")) }
            case .document(let bytes):
                guard let hit else {
                    log.add(Difference(.missing, id, "T(source) keeps it; not in \(subject.targetIndex)"))
                    continue
                }
                compared += 1
                compare(id: id, expected: bytes, targetHit: hit, in: targetPage, into: &log)
            }
        }
    }

    /// The target's `_source` goes through the same decode/encode as T's output.
    private func compare(id: String, expected: [UInt8], targetHit hit: Hit, in page: SearchPage, into log: inout DifferenceLog) {
        let actual: [UInt8]
        do {
            guard let bytes = try page.withSource(of: hit, { try transform.canonical(Array($0)) }) else {
                log.add(Difference(.differs, id, "the target document has no _source"))
                return
            }
            actual = bytes
        } catch {
            log.add(Difference(.differs, id, "the target _source cannot be decoded: \(error)"))
            return
        }
        guard actual != expected else { return }
        // Rare path: decode both in Swift only to say where they differ.
        if let e = try? JSONValue.parse(expected), let a = try? JSONValue.parse(actual),
            let first = FirstDifference.between(expected: e, actual: a)
        {
            log.add(Difference(.differs, id, path: first.path.isEmpty ? nil : first.path, first.detail))
        } else {
            log.add(Difference(.differs, id, "the bytes differ from T(source) (\(expected.count) expected, \(actual.count) in the target)"))
        }
    }

    /// A full verification's second pass: every target id must exist in the source (those T
    /// drops or the run dead-lettered were already caught by `check`). Reads ids only.
    mutating func findUnexpected(pageSize: Int, into log: inout DifferenceLog) throws {
        let body: JSONValue = ["sort": ["_doc"], "_source": false]
        try client.scrollAll(index: subject.targetIndex, body: body, size: pageSize, keepAlive: .seconds(300)) { page in
            targetScanned += page.hits.count
            let ids = page.hits.map(\.id)
            let inSource = Set(try searchByIDs(ids, in: subject.sourceIndex, withSource: false, using: client).hits.map(\.id))
            for id in ids where !inSource.contains(id) {
                log.add(Difference(.unexpected, id, "in \(subject.targetIndex), not in \(subject.sourceIndex)"))
            }
        }
    }
}

/// One `ids` search: the hits of `ids` that exist in `index`. Search (not `_mget`) so the page
/// scanner hands back raw `_source` byte ranges; a run refreshes both indices before it
/// verifies, so search sees what `_mget` would.
func searchByIDs(_ ids: [String], in index: String, withSource: Bool, using client: ClusterClient) throws -> SearchPage {
    let body: JSONValue = [
        "query": ["ids": ["values": .array(ids.map { .string($0) })]],
        "size": .int(Int64(ids.count)), "_source": .bool(withSource), "track_total_hits": false,
    ]
    return try client.search(index: index, body: body)
}
