import FerryCluster
import FerryCore
import FerryRecipes

/// Checks made before a run changes anything: cluster health not red, the target name free,
/// enough disk for the copy. A failed preflight changes nothing.
struct Preflight {
    let client: ClusterClient
    let recipe: Recipe

    func check(_ plan: MigrationPlan, runID: String) throws {
        let health = try client.clusterHealth()
        guard health != "red" else {
            throw FerryError("preflight: cluster health is red; not starting a migration",
                             hint: "fix the cluster (GET /_cluster/health, /_cat/shards) first")
        }
        for index in [plan.targetIndex, plan.preservedIndex].compactMap({ $0 }) where index != plan.source.index {
            guard try client.indexExists(index) else { continue }
            let owner = FerryMeta.runID(inMapping: try client.getMapping(index))
            throw FerryError(
                "preflight: target index \(index) already exists (\(owner.map { "left by run \($0)" } ?? "not created by ferry"))",
                hint: owner == nil
                    ? "inspect it; delete it if it is a leftover, then run again"
                    : "it is left from an earlier run (rolled back or abandoned); `ferry cleanup \(recipe.name) --older-than 0s` deletes it once you no longer need it")
        }
        try checkDisk(plan)
    }

    /// The copy needs about the source's primary store size again (the target has no
    /// replicas during the copy); refuse if the data nodes have less free disk than that.
    private func checkDisk(_ plan: MigrationPlan) throws {
        let needed = try client.storeSizeBytes(plan.source.index)
        guard let free = try freeDiskBytes(), needed > 0 else { return }
        guard free > needed * 12 / 10 else {
            throw FerryError(
                "preflight: the copy needs about \(needed / 1_048_576) MiB but the data nodes have \(free / 1_048_576) MiB free",
                hint: "free disk space, or add nodes, before migrating")
        }
    }

    /// Free disk across data nodes from `_nodes/stats/fs`, or nil when the cluster does not say.
    private func freeDiskBytes() throws -> Int64? {
        guard let response = try? client.request(.GET, RequestPath(["_nodes", "stats", "fs"])),
              let nodes = try? response.json()["nodes"]?.objectValue, !nodes.isEmpty
        else { return nil }
        var total: Int64 = 0
        var found = false
        for node in nodes.values {
            if let free = node["fs"]?["total"]?["available_in_bytes"]?.intValue {
                total += free
                found = true
            }
        }
        return found ? total : nil
    }
}
