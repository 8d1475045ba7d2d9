import FerryCluster
import FerryCore
import FerryJournal
import FerryPipeline
import FerryRecipes

/// Runs the recipe's canary queries on the old and the new index: the application's questions,
/// which a migration must not change the answers to (unless the canary says `expect = "differ"`).
///
/// Documents the run left out on purpose (dead letters, documents a step drops) are not in the
/// new index, so they are taken out of the old index's answer: by id where the ids are known;
/// otherwise a count may fall short by at most `unknownLeftOut`, and an id only the old index
/// matches is run through T to see whether a step drops it.
struct CanaryCheck {
    let client: ClusterClient
    let sourceIndex: String
    let targetIndex: String
    /// Ids known not to be in the target on purpose.
    let leftOut: Set<String>
    /// Documents left out on purpose whose ids are not known (a sample, or too many to list).
    let unknownLeftOut: Int
    let transform: RecomputedTransform
    /// Ids listed per side when the sets differ.
    var idsShown = 10
    /// Most ids put into one `must_not` clause (a cluster caps terms per query at 65536).
    var excludedIDLimit = 10_000

    func run(_ canary: Canary) throws -> CanaryResult {
        switch canary.compare {
        case .count: return try counts(canary)
        case .ids: return try ids(canary)
        }
    }

    /// The source's query without the documents the run left out on purpose.
    private var excluded: [String] { Array(leftOut.sorted().prefix(excludedIDLimit)) }

    private func sourceQuery(_ query: JSONValue) -> JSONValue {
        let ids = excluded
        guard !ids.isEmpty else { return query }
        return ["bool": ["must": [query], "must_not": [["ids": ["values": .array(ids.map { .string($0) })]]]]]
    }

    private var allowance: Int { unknownLeftOut + max(0, leftOut.count - excludedIDLimit) }

    private func counts(_ canary: Canary) throws -> CanaryResult {
        var source: Int?, target: Int?
        let problem = try rejected {
            source = try client.count(sourceIndex, query: sourceQuery(canary.query))
            target = try client.count(targetIndex, query: canary.query)
        }
        var note: String?
        var agrees = problem == nil && source == target
        if problem == nil, let s = source, let t = target, s != t, allowance > 0 {
            if t < s && s - t <= allowance {
                note = "\(s - t) fewer, within the \(allowance) documents the steps dropped"
                agrees = true
            } else {
                note = "more than the \(allowance) documents the steps dropped can explain"
            }
        }
        return CanaryResult(
            canary: canary.name, compare: canary.compare.rawValue, expectDiffer: canary.expect == .differ,
            agrees: agrees, sourceCount: source, targetCount: target, onlyInSource: [], onlyInTarget: [],
            problem: problem, note: note)
    }

    /// Every match on each side must fit in `size`: the sets are then compared exactly. A
    /// top-`size` by score would differ whenever scoring changes, which is not a data difference.
    private func ids(_ canary: Canary) throws -> CanaryResult {
        var source: (total: Int, ids: Set<String>)?, target: (total: Int, ids: Set<String>)?
        var problem = try rejected {
            source = try matches(sourceQuery(canary.query), size: canary.size, in: sourceIndex)
            target = try matches(canary.query, size: canary.size, in: targetIndex)
        }
        var onlySource: Set<String> = [], onlyTarget: Set<String> = []
        var dropped = 0
        if problem == nil, let source, let target {
            if max(source.total, target.total) > canary.size {
                problem = "\(max(source.total, target.total)) documents match, more than size = \(canary.size): raise size (at most 10000) or narrow the query"
            } else {
                onlyTarget = target.ids.subtracting(source.ids)
                onlySource = source.ids.subtracting(target.ids)
                let droppedIDs = try droppedByT(onlySource)
                onlySource.subtract(droppedIDs)
                dropped = droppedIDs.count
            }
        }
        return CanaryResult(
            canary: canary.name, compare: canary.compare.rawValue, expectDiffer: canary.expect == .differ,
            agrees: problem == nil && onlySource.isEmpty && onlyTarget.isEmpty,
            sourceCount: source.map { $0.total - dropped }, targetCount: target?.total,
            onlyInSource: Array(onlySource.sorted().prefix(idsShown)), onlyInTarget: Array(onlyTarget.sorted().prefix(idsShown)),
            problem: problem, note: dropped > 0 ? "\(dropped) matching documents the steps drop left out" : nil)
    }

    /// Of `ids` (source documents the target lacks), those T drops: expected absent.
    private func droppedByT(_ ids: Set<String>) throws -> Set<String> {
        guard !ids.isEmpty, unknownLeftOut > 0 else { return [] }
        let page = try searchByIDs(Array(ids), in: sourceIndex, withSource: true, using: client)
        return Set(page.hits.filter {
            if case .dropped = transform.apply($0, of: page) { return true }
            return false
        }.map(\.id))
    }

    private func matches(_ query: JSONValue, size: Int, in index: String) throws -> (total: Int, ids: Set<String>) {
        let body: JSONValue = ["query": query, "size": .int(Int64(size)), "_source": false, "track_total_hits": true]
        let page = try client.search(index: index, body: body)
        return (page.totalHits ?? page.hits.count, Set(page.hits.map(\.id)))
    }

    /// A query the cluster rejects (HTTP 400: a field type the query does not fit, a parse
    /// error) is the canary's answer, not a failure to verify.
    private func rejected(_ body: () throws -> Void) throws -> String? {
        do {
            try body()
            return nil
        } catch let error as ClusterError where error.status == 400 {
            return "query rejected: \(error)"
        }
    }
}
