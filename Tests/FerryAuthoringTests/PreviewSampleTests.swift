import Testing
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryRecipes
import FerryTestSupport

/// Which documents a preview looks at: a seeded random sample, optionally of a query's matches.
extension PreviewTests {
    @Test("--sample is a random sample: the same seed picks the same documents, another seed others, not the first N")
    func randomSample() throws {
        let recipe = try realRecipe()
        let installed = try installed(recipe, count: 40)
        defer { installed.clone.close() }

        let first = try preview(recipe, installed, .sample(5, seed: 42))
        let again = try preview(recipe, installed, .sample(5, seed: 42))
        let other = try preview(recipe, installed, .sample(5, seed: 7))
        #expect(first.documents.count == 5)
        #expect(first.documents.map(\.id) == again.documents.map(\.id))
        #expect(Set(first.documents.map(\.id)) != Set(other.documents.map(\.id)))
        // Before: the preview showed the first N documents the index returns.
        let firstN = try installed.client.search(index: installed.source, body: ["size": 5, "query": ["match_all": [:]]]).hits.map(\.id)
        #expect(Set(first.documents.map(\.id)) != Set(firstN))
        #expect(first.selection == "random sample, seed 42")
        #expect(first.lines(renderer: DiffRenderer(style: .plain), mappingFile: "m")[1] == "documents: random sample, seed 42")
    }

    @Test("--query previews only the documents it matches")
    func querySample() throws {
        let recipe = try realRecipe()
        let installed = try installed(recipe, count: 30)
        defer { installed.clone.close() }
        let query: JSONValue = ["term": ["author": "zed"]]
        let report = try preview(recipe, installed, .sample(50, seed: 3, query: query))
        #expect(report.documents.count == 10, "posts 2, 5, ..., 29 are zed's")
        #expect(report.documents.allSatisfy { $0.before["author"] == "zed" })
        #expect(report.selection == #"random sample, seed 3, of the documents matching {"term":{"author":"zed"}}"#)
    }
}
