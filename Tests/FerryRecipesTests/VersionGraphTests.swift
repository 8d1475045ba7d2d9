import Testing
@testable import FerryRecipes

@Suite("Version graph")
struct VersionGraphTests {
    let chain = VersionGraph(
        versions: ["1.0", "2.0", "3.0"],
        steps: [
            StepSpec(from: "1.0", to: "2.0", script: "a.lua"),
            StepSpec(from: "2.0", to: "3.0", script: "b.lua"),
        ])

    @Test("chains steps along the path")
    func chainsSteps() throws {
        #expect(try chain.path(from: "1.0", to: "3.0").map(\.label) == ["1.0→2.0", "2.0→3.0"])
        #expect(try chain.path(from: "2.0", to: "3.0").map(\.label) == ["2.0→3.0"])
    }

    @Test("the same version needs no steps")
    func sameVersion() throws {
        #expect(try chain.path(from: "3.0", to: "3.0").isEmpty)
    }

    @Test("a direct edge beats a longer chain")
    func directEdgeWins() throws {
        let graph = VersionGraph(
            versions: chain.versions,
            steps: chain.steps + [StepSpec(from: "1.0", to: "3.0", script: "direct.lua")])
        #expect(try graph.path(from: "1.0", to: "3.0").map(\.script) == ["direct.lua"])
    }

    @Test("no path names the versions and the steps that exist")
    func noPath() {
        let gap = VersionGraph(versions: chain.versions, steps: [chain.steps[1]])
        #expect {
            try gap.path(from: "1.0", to: "3.0")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("no path of steps from 1.0 to 3.0") && text.contains("(steps: 2.0→3.0)")
        }
    }

    @Test("no way back names the reverse steps that exist and how to declare one")
    func noPathBack() {
        #expect {
            try chain.path(from: "3.0", to: "1.0")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("no path of steps from 3.0 back to 1.0 (reverse steps: none)")
                && (error as? RecipeError)?.hint?.contains("{ from = \"3.0\", to = \"2.0\", script = ") == true
        }
    }

    @Test("an unknown version is named")
    func unknownVersion() {
        #expect {
            try chain.path(from: "0.9", to: "3.0")
        } throws: { error in
            String(describing: error).contains("unknown version 0.9")
        }
    }

    @Test("a downgrade works when the recipe has the step")
    func downgrade() throws {
        let graph = VersionGraph(
            versions: chain.versions, steps: chain.steps + [StepSpec(from: "3.0", to: "2.0", script: "down.lua")])
        #expect(try graph.path(from: "3.0", to: "2.0").map(\.label) == ["3.0→2.0"])
    }
}
