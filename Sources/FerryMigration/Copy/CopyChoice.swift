/// Who makes the first copy: ferry's pipeline, or, when every edge of the path is mapping-only
/// and the cluster can write the way the mode does, the cluster's own `_reindex`. Decided the
/// same way for `ferry plan` and `ferry run`, with the sentence both print.
import FerryCluster
import FerryCore
import FerryRecipes

/// Who writes a copy pass's documents.
enum Copier: Sendable, Equatable {
    /// Ferry reads, transforms and bulk-writes (`CopyPipeline`).
    case ferry
    /// The cluster copies by itself (`POST /_reindex`), slice by slice when `sliced`.
    case cluster(sliced: Bool)
}

struct CopyChoice: Sendable {
    let copier: Copier
    /// What `plan`, the run and its report say about it; nil when the path runs step scripts
    /// (ferry copies, as it always has, and there is nothing to explain).
    let line: String?

    /// `probe` is asked only when the cluster could copy: the path is mapping-only, the mode's
    /// writes have a `_reindex` form, the copy takes every document, and neither `--client-copy`
    /// nor `--max-docs-per-second` is given.
    static func decide(
        steps: [StepSpec], write: any WritePolicy, selection: JSONValue?, clientCopy: Bool, mode: MigrationMode,
        throttled: Bool = false, probe: () throws -> ReindexSupport
    ) rethrows -> CopyChoice {
        guard StepChain.isMappingOnly(steps) else { return CopyChoice(copier: .ferry, line: nil) }
        let ferry = "ferry copies the documents, although no step changes them"
        if clientCopy { return CopyChoice(copier: .ferry, line: "\(ferry) (--client-copy)") }
        if throttled { return CopyChoice(copier: .ferry, line: "\(ferry): --max-docs-per-second paces ferry's own copy") }
        guard let dest = write.reindexDest else {
            return CopyChoice(copier: .ferry, line: "\(ferry): \(mode.rawValue)'s first copy writes with \(write.summary), which `_reindex` cannot")
        }
        guard selection == nil else {
            return CopyChoice(copier: .ferry, line: "\(ferry): \(mode.rawValue)'s first copy selects documents by query")
        }
        let how = "`_reindex` with \(dest.serialized(sortedKeys: true)), so catch-up settles by version"
        switch try probe() {
        case .sliced:
            return CopyChoice(copier: .cluster(sliced: true), line: "the cluster copies (mapping-only path): \(how), one request per slice; the documents never leave the cluster")
        case .unsliced(let why):
            return CopyChoice(copier: .cluster(sliced: false), line: "the cluster copies (mapping-only path): \(how), in one request for all slices, as it refused a sliced one (\(why)); the documents never leave the cluster")
        case .unavailable(let why):
            return CopyChoice(copier: .ferry, line: "\(ferry): the cluster has no usable `_reindex` (\(why)); docs/compatibility.md")
        }
    }
}

extension RunScope {
    /// The choice for this run's first copy, probing the cluster when it could copy by itself.
    func firstCopyChoice(write: any WritePolicy, query: JSONValue?) throws -> CopyChoice {
        try CopyChoice.decide(steps: plan.steps, write: write, selection: query, clientCopy: options.clientCopy, mode: plan.mode,
                              throttled: options.maxDocsPerSecond != nil) {
            try client.probeReindex(source: plan.source.index, target: plan.targetIndex, dest: write.reindexDest ?? [:])
        }
    }
}
