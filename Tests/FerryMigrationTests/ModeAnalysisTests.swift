import Testing
import FerryCore
@testable import FerryMigration

@Suite("mode analysis")
struct ModeAnalysisTests {
    let live: JSONValue = ["properties": ["title": ["type": "text"], "meta": ["properties": ["n": ["type": "integer"]]]]]

    @Test("added fields are additive: in-place is allowed")
    func additive() {
        let target: JSONValue = ["mappings": ["properties": [
            "title": ["type": "text"], "meta": ["properties": ["n": ["type": "integer"], "m": ["type": "keyword"]]],
            "tags": ["type": "keyword"],
        ]]]
        let analysis = ModeAnalysis(live: live, target: target, sameVersion: false)
        #expect(analysis.allows(.inPlace))
        #expect(analysis.allows(.blueGreen))
        #expect(analysis.allows(.writeNewFirst))
    }

    @Test("a changed type, a removed field or a nested change rules in-place out, naming the field")
    func notAdditive() {
        let target: JSONValue = ["mappings": ["properties": ["title": ["type": "keyword"], "meta": ["properties": ["n": ["type": "long"]]]]]]
        let verdict = ModeAnalysis(live: live, target: target, sameVersion: false).verdict(.inPlace)
        #expect(!verdict.allowed)
        #expect(verdict.reason.contains("title changes type text → keyword"))
        #expect(verdict.reason.contains("meta.n changes type integer → long"))
        let removed = ModeAnalysis(live: live, target: ["mappings": ["properties": ["title": ["type": "text"]]]], sameVersion: false)
        #expect(removed.verdict(.inPlace).reason.contains("meta is removed"))
    }

    @Test("analysis settings rule in-place out even for an additive mapping")
    func analysisSettings() {
        let target: JSONValue = [
            "settings": ["analysis": ["analyzer": ["folded": ["type": "custom", "tokenizer": "standard"]]]],
            "mappings": ["properties": ["title": ["type": "text"], "meta": ["properties": ["n": ["type": "integer"]]]]],
        ]
        #expect(!ModeAnalysis(live: live, target: target, sameVersion: false).allows(.inPlace))
    }
}
