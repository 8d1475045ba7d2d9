import Testing
@testable import FerryRecipes

/// Paths when a recipe has steps in both directions, and mapping-only edges.
@Suite("Reverse and mapping-only steps")
struct ReverseStepTests {
    let both = VersionGraph(
        versions: ["1.0", "2.0", "3.0"],
        steps: [
            StepSpec(from: "1.0", to: "2.0", script: "up1.lua"),
            StepSpec(from: "2.0", to: "3.0", script: "up2.lua"),
            StepSpec(from: "3.0", to: "2.0", script: "down3.lua"),
            StepSpec(from: "2.0", to: "1.0", script: "down2.lua"),
        ])

    @Test("the way back from 3.0 to 1.0 is the reverse steps, in order")
    func pathBack() throws {
        #expect(try both.path(from: "3.0", to: "1.0").map(\.label) == ["3.0→2.0", "2.0→1.0"])
        #expect(try both.path(from: "1.0", to: "3.0").map(\.label) == ["1.0→2.0", "2.0→3.0"])
        #expect(both.direction(from: "3.0", to: "1.0") == .reverse)
        #expect(both.reverseSteps.map(\.label) == ["3.0→2.0", "2.0→1.0"])
    }

    @Test("an upgrade never overshoots and comes back through a reverse step")
    func noOvershoot() {
        // 1.0→3.0 then 3.0→2.0 would reach 2.0 in two steps; there is no forward way.
        let graph = VersionGraph(
            versions: ["1.0", "2.0", "3.0"],
            steps: [StepSpec(from: "1.0", to: "3.0", script: "a.lua"), StepSpec(from: "3.0", to: "2.0", script: "b.lua")])
        #expect(throws: RecipeError.self) { try graph.path(from: "1.0", to: "2.0") }
    }

    @Test("a reverse edge declared first does not win a tie against the forward chain")
    func forwardOnlyEvenWhenReverseIsDeclaredFirst() throws {
        // Undirected breadth-first search would take 1.0→4.0→3.0 (declared first, same length).
        let graph = VersionGraph(
            versions: ["1.0", "2.0", "3.0", "4.0"],
            steps: [
                StepSpec(from: "1.0", to: "4.0", script: "skip.lua"),
                StepSpec(from: "4.0", to: "3.0", script: "down.lua"),
                StepSpec(from: "1.0", to: "2.0", script: "a.lua"),
                StepSpec(from: "2.0", to: "3.0", script: "b.lua"),
                StepSpec(from: "3.0", to: "4.0", script: "c.lua"),
            ])
        #expect(try graph.path(from: "1.0", to: "3.0").map(\.label) == ["1.0→2.0", "2.0→3.0"])
        #expect(try graph.path(from: "4.0", to: "3.0").map(\.label) == ["4.0→3.0"])
    }

    @Test("a path is mapping-only when no edge has a script")
    func mappingOnly() {
        let plain = StepSpec(from: "1.0", to: "2.0", script: nil)
        let scripted = StepSpec(from: "2.0", to: "3.0", script: "b.lua")
        #expect(plain.isMappingOnly && !scripted.isMappingOnly)
        #expect(StepChain.isMappingOnly([plain]))
        #expect(!StepChain.isMappingOnly([plain, scripted]))
        #expect(StepChain.isMappingOnly([]))
    }
}
