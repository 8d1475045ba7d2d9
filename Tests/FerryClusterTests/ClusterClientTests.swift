import FerryCore
import FerryTestSupport
import Testing

@testable import FerryCluster

/// Runs `body` against a fresh, isolated clone of the shared osmem-server.
func withCluster(_ body: (ClusterClient, OsmemClone) throws -> Void) throws {
    let clone = try OsmemServer.shared().clone()
    defer { clone.close() }
    try body(try clone.client(), clone)
}

let strictMapping: JSONValue = [
    "settings": ["number_of_shards": 1],
    "mappings": [
        "dynamic": "strict",
        "properties": ["title": ["type": "keyword"], "n": ["type": "integer"], "tags": ["type": "keyword"]],
    ],
]

@Suite struct ClusterClientTests {
    @Test func infoDetectsOpenSearch() throws {
        try withCluster { client, _ in
            let info = try client.info()
            #expect(info.distribution == .opensearch)
            let expected = ClusterInfo.Version(try OsmemServer.shared().version)
            #expect(info.version == expected)
            #expect(info.version.major >= 1)
            #expect(["green", "yellow"].contains(try client.clusterHealth()))
        }
    }

    @Test func indexLifecycle() throws {
        try withCluster { client, _ in
            #expect(try !client.indexExists("posts-1"))
            try client.createIndex("posts-1", body: strictMapping)
            #expect(try client.indexExists("posts-1"))
            let mapping = try client.getMapping("posts-1")
            #expect(mapping["dynamic"] == "strict")
            #expect(mapping["properties"]?["n"]?["type"] == "integer")
            #expect(try client.getIndex("posts-1")["mappings"] == mapping)
            #expect(try client.getSettings("posts-1")["index"]?["number_of_shards"]?.intValue == 1)

            try client.putSettings("posts-1", body: ["index": ["refresh_interval": "-1"]])
            #expect(try client.getSettings("posts-1")["index"]?["refresh_interval"] == "-1")

            try client.deleteIndex("posts-1")
            #expect(try !client.indexExists("posts-1"))
            try client.deleteIndex("posts-1", ignoreMissing: true)
            let error = #expect(throws: ClusterError.self) { try client.deleteIndex("posts-1") }
            #expect(error?.status == 404)
            #expect(error?.type == "index_not_found_exception")
        }
    }

    @Test func creatingAnExistingIndexIsAClusterError() throws {
        try withCluster { client, _ in
            try client.createIndex("blog_posts-3.0-ab12cd34", body: strictMapping)
            let error = try #require(throws: ClusterError.self) {
                try client.createIndex("blog_posts-3.0-ab12cd34", body: strictMapping)
            }
            #expect(error.kind == .http)
            #expect(error.status == 400)
            #expect(error.type == "resource_already_exists_exception")
            #expect(error.attempts == 1)
            #expect(
                error.description.hasPrefix(
                    "PUT /blog_posts-3.0-ab12cd34 → HTTP 400 resource_already_exists_exception: index [blog_posts-3.0-ab12cd34"))
        }
    }

    @Test func aliasesSwitchAtomicallyAndResolve() throws {
        try withCluster { client, _ in
            try client.createIndex("blog-v1")
            try client.createIndex("blog-v2")
            #expect(try client.resolve("blog") == .missing)
            #expect(try client.getAliases(name: "blog") == [:])

            try client.updateAliases([
                .add(index: "blog-v1", alias: "blog", isWriteIndex: true),
                .add(index: "blog-v1", alias: "blog-read"),
            ])
            #expect(try client.resolve("blog") == .alias(indices: ["blog-v1"]))
            #expect(try client.resolve("blog-v1") == .index)
            #expect(try client.aliasesOfIndex("blog-v1") == ["blog", "blog-read"])
            #expect(try client.aliasEntries(name: "blog").first?.isWriteIndex == true)

            // The switch: one call moves both aliases.
            try client.updateAliases([
                .remove(index: "blog-v1", alias: "blog"),
                .add(index: "blog-v2", alias: "blog", isWriteIndex: true),
                .remove(index: "blog-v1", alias: "blog-read"),
                .add(index: "blog-v2", alias: "blog-read"),
            ])
            #expect(try client.getAliases(name: "blog") == ["blog-v2": ["blog"]])
            #expect(try client.resolve("blog-read") == .alias(indices: ["blog-v2"]))
            #expect(try client.aliasesOfIndex("blog-v1") == [])

            // An alias over two indices.
            try client.updateAliases([.add(index: "blog-v1", alias: "blog-read")])
            #expect(try client.resolve("blog-read") == .alias(indices: ["blog-v1", "blog-v2"]))

            // A failing action fails the whole call: nothing changes.
            #expect(throws: ClusterError.self) {
                try client.updateAliases([
                    .add(index: "blog-v1", alias: "other"),
                    .add(index: "no-such-index", alias: "other"),
                ])
            }
            #expect(try client.resolve("other") == .missing)

            // A concrete index replaced by an alias of the same name in one call.
            try client.createIndex("legacy")
            try client.updateAliases([.removeIndex(index: "legacy"), .add(index: "blog-v2", alias: "legacy")])
            #expect(try client.resolve("legacy") == .alias(indices: ["blog-v2"]))

            let error = #expect(throws: ClusterError.self) { try client.aliasesOfIndex("no-such-index") }
            #expect(error?.type == "index_not_found_exception")
        }
    }

    @Test func bulkIndexThenCount() throws {
        try withCluster { client, _ in
            try client.createIndex("docs", body: strictMapping)
            var builder = BulkRequestBuilder()
            let n = 300
            for i in 0..<n {
                builder.append(
                    .index, index: "docs", id: "doc/\(i) \"q\"",
                    source: ["title": .string("t\(i)"), "n": .int(Int64(i))] as JSONValue)
            }
            #expect(builder.count == n)
            let response = try client.bulk(builder)
            #expect(!response.errors)
            #expect(response.itemCount == n)
            #expect(response.items.isEmpty)
            try client.refresh("docs")
            #expect(try client.count("docs") == n)
            #expect(try client.count("docs", query: ["range": ["n": ["lt": 10]]]) == 10)
            #expect(try client.getDocument(index: "docs", id: "doc/7 \"q\"") == ["title": "t7", "n": 7])
            #expect(try client.storeSizeBytes("docs") > 0)

            // Raw body variant, with the trailing newline missing: it is added.
            let raw = Array("{\"delete\":{\"_index\":\"docs\",\"_id\":\"doc/0 \\\"q\\\"\"}}".utf8)
            let deleted = try client.bulk(body: raw, refresh: true)
            #expect(deleted.itemCount == 1 && !deleted.errors)
            #expect(try client.count("docs") == n - 1)
        }
    }

    @Test func bulkReportsPerItemErrors() throws {
        try withCluster { client, _ in
            try client.createIndex("strict", body: strictMapping)
            var builder = BulkRequestBuilder()
            builder.append(.index, index: "strict", id: "good-1", source: ["n": 1] as JSONValue)
            builder.append(.index, index: "strict", id: "bad", source: ["n": "not a number"] as JSONValue)
            builder.append(.index, index: "strict", id: "good-2", source: ["n": 2] as JSONValue)
            builder.append(.create, index: "strict", id: "good-1", source: ["n": 3] as JSONValue)
            let response = try client.bulk(builder, refresh: true)
            #expect(response.errors)
            #expect(response.itemCount == 4)
            #expect(response.items.count == 4)
            let failures = response.failures
            #expect(failures.map(\.id) == ["bad", "good-1"])
            let bad = failures[0]
            #expect(bad.position == 1)
            #expect(bad.status == 400)
            #expect(bad.errorType == "mapper_parsing_exception")
            #expect(bad.errorReason?.isEmpty == false)
            #expect(failures[1].status == 409)
            #expect(failures[1].action == "create")
            #expect(failures[1].errorType == "version_conflict_engine_exception")
            #expect(response.items[0].status == 201)
            #expect(response.rejected.isEmpty)
            #expect(try client.count("strict") == 2)
        }
    }

    @Test func scrollVisitsEveryDocumentOnce() throws {
        try withCluster { client, _ in
            try client.createIndex("scrolled", body: ["settings": ["number_of_shards": 2]])
            var expected: [String: JSONValue] = [:]
            var builder = BulkRequestBuilder()
            for i in 0..<250 {
                let id = i % 7 == 0 ? "id-\(i)-\"quoted\"\\é" : "id-\(i)"
                let doc: JSONValue = [
                    "i": .int(Int64(i)), "text": .string("line\n\(i) {\"}]"), "nested": ["list": [["x": []], ["x": [2, 3]]], "o": [:], "big": 9_007_199_254_740_993],
                ]
                expected[id] = doc
                builder.append(.index, index: "scrolled", id: id, source: doc)
            }
            let written = try client.bulk(builder)
            #expect(!written.errors, "\(written.failures.first.map { "\($0.errorType ?? ""): \($0.errorReason ?? "")" } ?? "")")
            try client.refresh("scrolled")

            var seen: [String: Int] = [:]
            var pages = 0
            var page = try client.openScroll(
                index: "scrolled", body: ["sort": ["_doc"], "version": true, "seq_no_primary_term": true], size: 100,
                keepAlive: .seconds(60))
            #expect(page.totalHits == 250)
            while !page.hits.isEmpty {
                pages += 1
                for hit in page.hits {
                    seen[hit.id, default: 0] += 1
                    #expect(hit.index == "scrolled")
                    #expect(hit.version == 1)
                    #expect(hit.seqNo != nil && hit.primaryTerm != nil)
                    let source = try JSONValue.parse(try #require(page.source(of: hit)))
                    #expect(source == expected[hit.id])
                }
                page = try client.scroll(id: try #require(page.scrollID), keepAlive: .seconds(60))
            }
            try client.clearScroll(id: try #require(page.scrollID))
            #expect(pages == 3)
            #expect(seen.count == 250)
            #expect(seen.values.allSatisfy { $0 == 1 })
            #expect(Set(seen.keys).symmetricDifference(expected.keys).isEmpty)
        }
    }

    @Test func copyingHitsByRawBytesPreservesIdsAndSources() throws {
        try withCluster { client, _ in
            var builder = BulkRequestBuilder()
            for i in 0..<20 {
                builder.append(.index, index: "src", id: "ü/\(i)\t\"", source: ["i": .int(Int64(i))] as JSONValue)
            }
            _ = try client.bulk(builder, refresh: true)
            var copy = BulkRequestBuilder()
            try client.scrollAll(index: "src", size: 8) { page in
                for hit in page.hits { copy.append(.create, index: "dst", hit: hit, of: page) }
            }
            #expect(copy.count == 20)
            #expect(try !client.bulk(copy, refresh: true).errors)
            for i in [0, 7, 19] {
                #expect(try client.getDocument(index: "dst", id: "ü/\(i)\t\"") == ["i": .int(Int64(i))])
            }
        }
    }

    @Test func expiredScrollIsAClusterError() throws {
        try withCluster { client, _ in
            var builder = BulkRequestBuilder()
            for i in 0..<5 { builder.append(.index, index: "s", id: "\(i)", source: ["i": .int(Int64(i))] as JSONValue) }
            _ = try client.bulk(builder, refresh: true)
            let page = try client.openScroll(index: "s", size: 2)
            let id = try #require(page.scrollID)
            try client.clearScroll(id: id)
            try client.clearScroll(id: id)  // already gone: not an error
            let error = try #require(throws: ClusterError.self) { try client.scroll(id: id) }
            #expect(error.status == 404)
            #expect(error.type == "search_context_missing_exception")
            #expect(error.hint != nil)
        }
    }

    @Test func singleDocumentsWithConcurrencyControl() throws {
        try withCluster { client, _ in
            let created = try client.indexDocument(
                index: "control", id: "lease/..", body: ["owner": "a"], refresh: true, operation: .create)
            #expect(created.result == "created")
            let stored = try #require(try client.fetchDocument(index: "control", id: "lease/.."))
            #expect(stored.source == ["owner": "a"])
            #expect(stored.id == "lease/..")
            let seqNo = try #require(stored.seqNo)
            let term = try #require(stored.primaryTerm)

            let again = #expect(throws: ClusterError.self) {
                try client.indexDocument(index: "control", id: "lease/..", body: ["owner": "b"], operation: .create)
            }
            #expect(again?.status == 409)
            #expect(again?.type == "version_conflict_engine_exception")

            try client.indexDocument(
                index: "control", id: "lease/..", body: ["owner": "a2"], ifSeqNo: seqNo, ifPrimaryTerm: term)
            let stale = #expect(throws: ClusterError.self) {
                try client.indexDocument(
                    index: "control", id: "lease/..", body: ["owner": "b"], ifSeqNo: seqNo, ifPrimaryTerm: term)
            }
            #expect(stale?.status == 409)
            #expect(try client.getDocument(index: "control", id: "lease/..") == ["owner": "a2"])

            #expect(try client.getDocument(index: "control", id: "nope") == nil)
            #expect(try client.deleteDocument(index: "control", id: "lease/..", refresh: true))
            #expect(try !client.deleteDocument(index: "control", id: "lease/.."))
            let missing = #expect(throws: ClusterError.self) { try client.getDocument(index: "no-index", id: "x") }
            #expect(missing?.type == "index_not_found_exception")
        }
    }

    @Test func rawRequestEscapeHatch() throws {
        try withCluster { client, _ in
            let response = try client.request(.GET, RequestPath(["_cluster", "health"]))
            #expect(response.status == 200)
            #expect(try response.json()["status"] != nil)
            let notFound = try client.request(.GET, RequestPath(["nope"]), accept: { _ in true })
            #expect(notFound.status == 404)
        }
    }

    @Test func unreachableClusterFailsAfterTheConfiguredAttempts() throws {
        let port = try unusedLoopbackPort()
        let config = try ClusterConfig(
            url: "http://127.0.0.1:\(port)", auth: .basic(user: "elastic", password: "hunter2"),
            connectTimeout: .seconds(2), retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        let client = try ClusterClient(config: config)
        let error = try #require(throws: ClusterError.self) { try client.info() }
        #expect(error.kind == .transport)
        #expect(error.attempts == 3)
        #expect(error.status == nil)
        #expect(error.description == "cannot reach http://127.0.0.1:\(port) (GET /): Couldn't connect to server after 3 attempts")
        #expect(!error.description.contains("hunter2"))
        #expect(error.hint != nil)
    }
}

@Suite struct PointInTimeTests {
    @Test func searchAfterOverAPointInTime() throws {
        try withCluster { client, _ in
            var builder = BulkRequestBuilder()
            for i in 0..<25 { builder.append(.index, index: "pit", id: "d\(i)", source: ["i": .int(Int64(i))] as JSONValue) }
            _ = try client.bulk(builder, refresh: true)
            let info = try client.info()
            var pit = try client.openPointInTime(index: "pit", keepAlive: .seconds(60), on: info)
            var after: JSONValue?
            var seen: [String] = []
            while true {
                var body: [String: JSONValue] = [
                    "size": 10, "pit": ["id": .string(pit), "keep_alive": "1m"], "sort": [["i": "asc"]],
                ]
                if let after { body["search_after"] = after }
                let page = try client.search(index: nil, body: .object(body))
                pit = page.pitID ?? pit
                guard let last = page.hits.last else { break }
                seen += page.hits.map(\.id)
                after = try JSONValue.parse(try #require(page.sortValues(of: last)))
            }
            try client.closePointInTime(id: pit, on: info)
            #expect(seen == (0..<25).map { "d\($0)" })
        }
    }
}
