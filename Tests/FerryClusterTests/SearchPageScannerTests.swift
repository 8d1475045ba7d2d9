import FerryCore
import Testing

@testable import FerryCluster

@Suite struct SearchPageScannerTests {
    static let page = #"""
        {"_scroll_id":"c2Nyb2xs","took":3,"timed_out":false,
         "_shards":{"total":2,"successful":2,"skipped":0,"failed":0},
         "hits":{"total":{"value":3,"relation":"eq"},"max_score":null,"hits":[
          {"_index":"blog-1","_id":"a\"b\\c\u00e9\ud83d\ude00","_version":4,"_seq_no":17,"_primary_term":2,
           "_score":null,"_source":{"title":"x } ] { [ \" tricky","nested":{"a":[1,{"b":[]}],"c":{}}},"sort":[17,"k"]},
          {"_index":"blog-1","_id":"plain","_source":{"n":1}},
          {"_index":"blog-2","_id":"nosource","_routing":"r1"}
         ]}}
        """#

    @Test func extractsHitsWithEscapedIdsAndNestedSource() throws {
        let page = try SearchPage(body: Array(Self.page.utf8))
        #expect(page.scrollID == "c2Nyb2xs")
        #expect(page.totalHits == 3)
        #expect(page.totalHitsIsExact)
        #expect(page.shards == ShardCounts(total: 2, successful: 2, skipped: 0, failed: 0))
        #expect(page.hits.count == 3)

        let first = page.hits[0]
        #expect(first.id == "a\"b\\cé😀")
        #expect(String(decoding: page.rawID(of: first), as: UTF8.self) == #"a\"b\\c\u00e9\ud83d\ude00"#)
        #expect(first.index == "blog-1")
        #expect(first.version == 4)
        #expect(first.seqNo == 17)
        #expect(first.primaryTerm == 2)
        #expect(String(decoding: page.sortValues(of: first)!, as: UTF8.self) == #"[17,"k"]"#)
        let source = try JSONValue.parse(page.source(of: first)!)
        #expect(source == ["title": "x } ] { [ \" tricky", "nested": ["a": [1, ["b": []]], "c": [:]]])

        #expect(page.hits[1].id == "plain")
        #expect(page.hits[1].version == nil)
        #expect(try JSONValue.parse(page.source(of: page.hits[1])!) == ["n": 1])
        #expect(page.hits[2].source == nil)
        #expect(page.hits[2].routing == "r1")
        #expect(page.hits[2].index == "blog-2")
    }

    @Test func withSourceGivesTheSameBytesWithoutCopying() throws {
        let page = try SearchPage(body: Array(Self.page.utf8))
        let viaClosure = page.withSource(of: page.hits[1]) { Array($0) }
        #expect(viaClosure == Array(page.source(of: page.hits[1])!))
        #expect(page.withSource(of: page.hits[2]) { _ in true } == nil)
    }

    @Test func integerTotalAndLowerBound() throws {
        let intTotal = try SearchPage(body: Array(#"{"hits":{"total":42,"hits":[]},"_shards":{"total":1,"failed":0}}"#.utf8))
        #expect(intTotal.totalHits == 42)
        #expect(intTotal.isEmpty)
        let gte = try SearchPage(body: Array(#"{"hits":{"total":{"value":10000,"relation":"gte"},"hits":[]}}"#.utf8))
        #expect(gte.totalHits == 10000)
        #expect(!gte.totalHitsIsExact)
    }

    @Test func failedShardsThrowNamingTheFailure() throws {
        let body = #"""
            {"_scroll_id":"x","timed_out":false,
             "_shards":{"total":5,"successful":4,"skipped":0,"failed":1,
              "failures":[{"shard":3,"index":"blog-1","node":"n1",
                "reason":{"type":"node_disconnected_exception","reason":"[n1] disconnected"}}]},
             "hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_index":"blog-1","_id":"1","_source":{}}]}}
            """#
        let error = try #require(throws: ClusterError.self) {
            try SearchPage(body: Array(body.utf8), method: .POST, path: "/_search/scroll")
        }
        #expect(error.kind == .incompleteResults)
        #expect(error.type == "node_disconnected_exception")
        #expect(error.description.contains("1 of 5 shards failed"))
        #expect(error.description.contains("index [blog-1] shard 3"))
        #expect(error.description.contains("[n1] disconnected"))
        #expect(error.description.hasPrefix("POST /_search/scroll"))
    }

    @Test func failedShardsWithoutDetailsStillThrow() {
        let body = #"{"_shards":{"total":2,"successful":1,"failed":1},"hits":{"hits":[]}}"#
        #expect(throws: ClusterError.self) { try SearchPage(body: Array(body.utf8)) }
    }

    @Test func timedOutSearchThrows() {
        let body = #"{"timed_out":true,"_shards":{"total":1,"successful":1,"failed":0},"hits":{"hits":[]}}"#
        let error = #expect(throws: ClusterError.self) { try SearchPage(body: Array(body.utf8)) }
        #expect(error?.type == "timed_out")
    }

    @Test func truncatedResponseIsInvalid() {
        let body = String(Self.page.dropLast(40))
        let error = #expect(throws: ClusterError.self) { try SearchPage(body: Array(body.utf8)) }
        #expect(error?.kind == .invalidResponse)
    }

    @Test func whitespaceEverywhereIsFine() throws {
        let body = " {\n \"hits\" : { \"hits\" : [ { \"_id\" : \"1\" , \"_source\" : { \"a\" : [ 1 , 2 ] } } ] } }\n"
        let page = try SearchPage(body: Array(body.utf8))
        #expect(page.hits.map(\.id) == ["1"])
        #expect(try JSONValue.parse(page.source(of: page.hits[0])!) == ["a": [1, 2]])
    }
}

@Suite struct BulkScannerTests {
    @Test func fastPathCountsItemsWithoutDecoding() throws {
        let body = #"{"took":7,"errors":false,"items":[{"index":{"_index":"a","_id":"1","status":201}},{"create":{"_index":"a","_id":"2","status":201}}]}"#
        let response = try Array(body.utf8).withUnsafeBytes { try BulkResponseScanner.scan($0) }
        #expect(response.took == 7)
        #expect(!response.errors)
        #expect(response.itemCount == 2)
        #expect(response.items.isEmpty)
    }

    @Test func errorsDecodeEveryItem() throws {
        let body = #"""
            {"took":1,"errors":true,"items":[
             {"index":{"_index":"a","_id":"ok","_version":1,"_seq_no":0,"_primary_term":1,"result":"created","status":201}},
             {"index":{"_index":"a","_id":"b\"ad","status":400,"error":{"type":"mapper_parsing_exception",
               "reason":"failed to parse field [n]","caused_by":{"type":"number_format_exception","reason":"For input string: \"zz\""}}}},
             {"create":{"_index":"a","_id":"busy","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
             {"delete":{"_index":"a","_id":"gone","status":404,"result":"not_found"}}]}
            """#
        let response = try Array(body.utf8).withUnsafeBytes { try BulkResponseScanner.scan($0) }
        #expect(response.errors)
        #expect(response.itemCount == 4)
        #expect(response.items.map(\.position) == [0, 1, 2, 3])
        #expect(response.items[0].seqNo == 0)
        #expect(response.items[0].result == "created")
        #expect(!response.items[0].failed)
        let bad = response.items[1]
        #expect(bad.id == "b\"ad")
        #expect(bad.status == 400)
        #expect(bad.errorType == "mapper_parsing_exception")
        #expect(bad.errorReason?.contains("number_format_exception") == true)
        #expect(response.rejected.map(\.id) == ["busy"])
        #expect(response.items[2].action == "create")
        #expect(!response.items[3].failed)
        #expect(response.failures.map(\.position) == [1, 2])
    }
}

extension SearchPageScannerTests {
    @Test func stringsEndingInAnEscapedBackslashOrHoldingEscapedQuotesEndWhereTheyEnd() throws {
        let body = #"""
            {"hits":{"hits":[
             {"_index":"i","_id":"x\\","_source":{"s":"a\\\"}","t":"\\","u":"\"]"}},
             {"_index":"i","_id":"\"q\"","_source":{"v":"}"}}
            ]}}
            """#
        let page = try SearchPage(body: Array(body.utf8))
        #expect(page.hits.map(\.id) == [#"x\"#, #""q""#])
        #expect(try JSONValue.parse(page.source(of: page.hits[0])!) == ["s": #"a\"}"#, "t": #"\"#, "u": #""]"#])
        #expect(try JSONValue.parse(page.source(of: page.hits[1])!) == ["v": "}"])
    }

    @Test func anUnterminatedStringIsAnError() {
        #expect(throws: (any Error).self) { try SearchPage(body: Array(#"{"hits":{"hits":[{"_id":"abc\"}]}}"#.utf8)) }
    }
}

@Suite struct BulkRequestBuilderTests {
    /// Action-line prefixes and version types are cached from one item to the next: items that
    /// switch action, index, id or version type back and forth each get their own.
    @Test func eachItemGetsItsOwnActionIndexIdAndVersionType() throws {
        var builder = BulkRequestBuilder()
        let source = Array("{}".utf8)
        builder.append(.index, index: "a", id: "1", source: source, options: BulkItemOptions(version: 1, versionType: "external_gte"))
        builder.append(.index, index: "a", id: nil, source: source)
        builder.append(.index, index: "b", id: "2", source: source, options: BulkItemOptions(version: 2))
        builder.append(.create, index: "b", id: "3", source: source, options: BulkItemOptions(version: 3, versionType: "external_gte"))
        builder.append(.index, index: "a", id: "4", source: source)
        builder.append(.index, index: "a", id: nil, source: source)
        #expect(String(decoding: builder.body, as: UTF8.self) == #"""
            {"index":{"_index":"a","_id":"1","version":1,"version_type":"external_gte"}}
            {}
            {"index":{"_index":"a"}}
            {}
            {"index":{"_index":"b","_id":"2","version":2,"version_type":"external"}}
            {}
            {"create":{"_index":"b","_id":"3","version":3,"version_type":"external_gte"}}
            {}
            {"index":{"_index":"a","_id":"4"}}
            {}
            {"index":{"_index":"a"}}
            {}

            """#)
    }

    @Test func buildsActionLinesAndTracksSize() throws {
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "blog", id: "a\"1", source: Array(#"{"n":1}"#.utf8))
        builder.append(
            .create, index: "blog", id: "2", source: ["n": 2] as JSONValue,
            options: BulkItemOptions(version: 7))
        builder.append(.delete, index: "old", id: "3", source: nil as [UInt8]?, options: BulkItemOptions(ifSeqNo: 5, ifPrimaryTerm: 1))
        let text = String(decoding: builder.body, as: UTF8.self)
        #expect(
            text == #"""
                {"index":{"_index":"blog","_id":"a\"1"}}
                {"n":1}
                {"create":{"_index":"blog","_id":"2","version":7,"version_type":"external"}}
                {"n":2}
                {"delete":{"_index":"old","_id":"3","if_seq_no":5,"if_primary_term":1}}

                """#)
        #expect(builder.count == 3)
        #expect(builder.byteCount == builder.body.count)
        #expect(builder.body.last == UInt8(ascii: "\n"))
    }

    @Test func idsAreEscapedAndNumbersWrittenExactly() throws {
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "i", id: "tab\there\u{1}\\", source: Array("{}".utf8),
                       options: BulkItemOptions(version: Int64.max))
        builder.append(.index, index: "i", id: "é/ü", source: Array("{}".utf8),
                       options: BulkItemOptions(version: 0, versionType: "external_gte", ifSeqNo: -1, ifPrimaryTerm: Int64.min))
        builder.append(.index, index: "i", id: "", source: Array("{}".utf8), options: BulkItemOptions(version: 12))
        let lines = String(decoding: builder.body, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines[0] == #"{"index":{"_index":"i","_id":"tab\there\u0001\\","version":9223372036854775807,"version_type":"external"}}"#)
        #expect(lines[2] == #"{"index":{"_index":"i","_id":"é/ü","version":0,"version_type":"external_gte","if_seq_no":-1,"if_primary_term":-9223372036854775808}}"#)
        #expect(lines[4] == #"{"index":{"_index":"i","_id":"","version":12,"version_type":"external"}}"#)
        #expect(try JSONValue.parse(lines[0])["index"]?["_id"]?.stringValue == "tab\there\u{1}\\")
    }

    @Test func newlinesInSourceBecomeSpaces() {
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "i", id: "1", source: Array("{\n  \"a\": \"x\\ny\"\n}".utf8))
        let lines = String(decoding: builder.body, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1] == #"{   "a": "x\ny" }"#)
    }

    @Test func subsetKeepsOnlyTheGivenItems() {
        var builder = BulkRequestBuilder()
        for i in 0..<4 {
            builder.append(.index, index: "i", id: "\(i)", source: Array("{\"i\":\(i)}".utf8))
        }
        let retry = builder.subset([3, 1])
        #expect(retry.count == 2)
        #expect(
            String(decoding: retry.body, as: UTF8.self)
                == "{\"index\":{\"_index\":\"i\",\"_id\":\"3\"}}\n{\"i\":3}\n{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"i\":1}\n")
    }

    @Test func rawIDFromASearchPageIsCopiedVerbatim() throws {
        let page = try SearchPage(body: Array(SearchPageScannerTests.page.utf8))
        var builder = BulkRequestBuilder()
        builder.append(.index, index: "target", hit: page.hits[0], of: page)
        let lines = String(decoding: builder.body, as: UTF8.self).split(separator: "\n")
        let action = try JSONValue.parse(String(lines[0]))
        #expect(action["index"]?["_id"]?.stringValue == page.hits[0].id)
        #expect(try JSONValue.parse(String(lines[1])) == JSONValue.parse(page.source(of: page.hits[0])!))
    }
}

/// Keys, ids, `sort` values and bulk item strings are stepped over byte by byte up to a few
/// bytes, then by memchr: strings on both sides of that length, with escapes and brackets
/// inside, must end where they end.
@Suite struct ShortStringScanTests {
    static let lengths = [0, 1, 23, 24, 25, 26, 60]

    static func text(_ n: Int) -> String {
        String(String(repeating: "}]x\"{[", count: 12).prefix(n))
    }

    @Test(arguments: lengths) func bulkItemStringsOfAnyLengthAreCountedExactly(_ n: Int) throws {
        let id = JSONValue.quoted(Self.text(n))
        let item = #"{"index":{"_index":"a","_id":\#(id),"result":"created","_shards":{"total":1},"status":201}}"#
        let body = #"{"took":1,"errors":false,"items":[\#(item),\#(item),\#(item)]}"#
        let response = try Array(body.utf8).withUnsafeBytes { try BulkResponseScanner.scan($0) }
        #expect(response.itemCount == 3)
        #expect(!response.errors)
    }

    @Test(arguments: lengths) func idsKeysAndSortValuesOfAnyLengthEndWhereTheyEnd(_ n: Int) throws {
        let text = Self.text(n)
        let id = JSONValue.quoted(text)
        let body = #"""
            {"hits":{"hits":[
             {"_index":"i","_id":\#(id),\#(id):1,"_source":{"k":\#(id)},"sort":[1,\#(id)]},
             {"_index":"i","_id":"next","_source":{"n":2},"sort":[2,\#(id)]}
            ]}}
            """#
        let page = try SearchPage(body: Array(body.utf8))
        #expect(page.hits.map(\.id) == [text, "next"])
        #expect(try JSONValue.parse(page.source(of: page.hits[0])!) == ["k": .string(text)])
        #expect(try JSONValue.parse(page.sortValues(of: page.hits[1])!) == [2, .string(text)])
    }
}
