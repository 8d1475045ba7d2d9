import FerryTestSupport
import Testing
import FerryAuthoring
import FerryCore

@Suite("MappingChecker")
struct MappingCheckerTests {
    /// "severity path" for each problem (notes included).
    func check(_ mappings: String, _ document: String, settings: String? = nil) -> [String] {
        MappingChecker(mappings: json(mappings), settings: settings.map(json))
            .check(json(document)).map { "\($0.severity.rawValue) \($0.path)" }
    }

    let blog = #"""
        {"dynamic":"strict","properties":{
          "title":{"type":"text"},"author":{"type":"keyword"},"created":{"type":"date"},
          "metadata":{"properties":{"word_count":{"type":"integer"},"language":{"type":"keyword"}}},
          "score":{"type":"float"},"flag":{"type":"boolean"}}}
        """#

    @Test("a document that fits the mapping has no problems")
    func fits() {
        #expect(check(blog, #"{"title":"t","author":"a","created":"2024-03-01T10:00:00Z","metadata":{"word_count":3,"language":"en"},"score":1,"flag":true}"#).isEmpty)
    }

    @Test("a field a strict mapping does not declare is rejected, at any depth")
    func strictExtraField() {
        #expect(check(blog, #"{"title":"t","extra":1,"metadata":{"word_count":1,"mood":"happy"}}"#) == [
            "rejected extra", "rejected metadata.mood",
        ])
        let problem = MappingChecker(mappings: json(blog)).check(json(#"{"extra":1}"#))[0]
        #expect(problem.message.contains("extra is not in the mapping, which is strict"))
    }

    @Test("dynamic: false keeps the field in _source but does not index it: mis-mapped")
    func dynamicFalse() {
        #expect(check(#"{"dynamic":false,"properties":{"a":{"type":"keyword"}}}"#, #"{"a":"x","b":"y"}"#) == ["mis-mapped b"])
    }

    @Test("dynamic is inherited per object level and an inner setting wins")
    func dynamicInheritance() {
        let mapping = #"""
            {"dynamic":"strict","properties":{
              "open":{"dynamic":true,"properties":{"deep":{"properties":{}}}},
              "closed":{"properties":{}},
              "quiet":{"dynamic":"false","properties":{}}}}
            """#
        #expect(check(mapping, #"{"open":{"new":1,"deep":{"x":"2024-01-01"}},"closed":{"new":1},"quiet":{"new":1}}"#) == [
            "rejected closed.new", "note open.deep.x", "note open.new", "mis-mapped quiet.new",
        ])
        #expect(check(#"{"properties":{}}"#, #"{"anything":{"goes":[1,2]}}"#) == ["note anything"], "default is dynamic: true")
    }

    @Test("a string into an integer field: numeric strings are coerced, others rejected, coerce: false rejects all")
    func stringIntoInteger() {
        let mapping = #"{"properties":{"n":{"type":"integer"},"strict_n":{"type":"integer","coerce":false}}}"#
        #expect(check(mapping, #"{"n":"42"}"#).isEmpty)
        #expect(check(mapping, #"{"n":"many"}"#) == ["rejected n"])
        #expect(check(mapping, #"{"n":"0x1A"}"#) == ["rejected n"])
        #expect(check(mapping, #"{"strict_n":"42"}"#) == ["rejected strict_n"])
        #expect(check(mapping, #"{"n":true}"#) == ["rejected n"])
    }

    @Test("integer ranges: byte, short and integer overflow is rejected, long takes any int64")
    func integerOverflow() {
        let mapping = #"{"properties":{"b":{"type":"byte"},"s":{"type":"short"},"i":{"type":"integer"},"l":{"type":"long"}}}"#
        #expect(check(mapping, #"{"b":127,"s":-32768,"i":2147483647,"l":9223372036854775807}"#).isEmpty)
        #expect(check(mapping, #"{"b":128,"s":40000,"i":2147483648}"#) == ["rejected b", "rejected i", "rejected s"])
    }

    @Test("a fraction into an integer field is truncated by the cluster: a mis-mapping, not a rejection")
    func fractionIntoInteger() throws {
        let problems = MappingChecker(mappings: json(#"{"properties":{"n":{"type":"integer"}}}"#)).check(json(#"{"n":2.9}"#))
        let problem = try #require(problems.first)
        #expect(problem.severity == .misMapped)
        #expect(problem.message.contains("indexed as 2"))
        #expect(check(#"{"properties":{"n":{"type":"long"}}}"#, #"{"n":3.0}"#).isEmpty, "an integral float is not truncated")
    }

    @Test("dates: ISO-8601 shapes and epoch millis pass, unparseable strings and impossible days are rejected")
    func dates() {
        for good in [#""2024-03-01""#, #""2024-03-01T10:00:00Z""#, #""2024-03-01T10:00:00.123+02:00""#, #""2024""#,
                     #""2024-02-29T23:59""#, "1700000000000", #""1700000000000""#] {
            #expect(check(blog, #"{"created":\#(good)}"#).isEmpty, "\(good)")
        }
        for bad in [#""yesterday""#, #""2024-13-01""#, #""2023-02-29""#, #""2024-03-01 10:00:00""#, #""01/03/2024""#, "true"] {
            #expect(check(blog, #"{"created":\#(bad)}"#) == ["rejected created"], "\(bad)")
        }
    }

    @Test("a date field's simple format is honoured, an unknown one is not judged")
    func dateFormats() {
        let mapping = #"""
            {"properties":{"d":{"type":"date","format":"yyyy-MM-dd HH:mm:ss||epoch_second"},
                           "n":{"type":"date","format":"strict_date"},
                           "odd":{"type":"date","format":"EEE, dd MMM yyyy"}}}
            """#
        #expect(check(mapping, #"{"d":"2024-03-01 10:00:00","n":"2024-03-01","odd":"whatever"}"#).isEmpty)
        #expect(check(mapping, #"{"d":"2024-03-01T10:00:00Z","n":"2024-03-01T10:00:00Z"}"#) == ["rejected d", "rejected n"])
        #expect(check(mapping, #"{"d":1700000000}"#).isEmpty)
    }

    @Test("an object where a keyword is mapped, and a value where an object is mapped, are rejected")
    func objectScalarMismatch() {
        #expect(check(blog, #"{"author":{"id":"a"}}"#) == ["rejected author"])
        #expect(check(blog, #"{"metadata":"none"}"#) == ["rejected metadata"])
        #expect(check(blog, #"{"metadata":{"word_count":{"n":1}}}"#) == ["rejected metadata.word_count"])
    }

    @Test("arrays of values fit any type and each element is checked with its index")
    func arrays() {
        #expect(check(blog, #"{"author":["a","b"],"metadata":[{"word_count":1},{"word_count":2}]}"#).isEmpty)
        #expect(check(blog, #"{"metadata":[{"word_count":1},{"word_count":"x"}],"flag":[true,"maybe"]}"#) == [
            "rejected flag[1]", "rejected metadata[1].word_count",
        ])
    }

    @Test("null fits every field, even one a strict mapping does not declare")
    func nulls() {
        #expect(check(blog, #"{"title":null,"metadata":null,"created":null,"unmapped":null}"#).isEmpty)
    }

    @Test("a dotted key is the field of an object, and is checked as such")
    func dottedKeys() {
        #expect(check(blog, #"{"metadata.word_count":3}"#).isEmpty)
        #expect(check(blog, #"{"metadata.mood":"x"}"#) == [#"rejected ["metadata.mood"]"#], "the path is the key as written")
    }

    @Test("ignore_malformed (field or index setting) turns a rejection into a mis-mapping")
    func ignoreMalformed() {
        #expect(check(#"{"properties":{"n":{"type":"integer","ignore_malformed":true}}}"#, #"{"n":"x"}"#) == ["mis-mapped n"])
        #expect(check(#"{"properties":{"n":{"type":"integer"}}}"#, #"{"n":"x"}"#,
                      settings: #"{"index":{"mapping":{"ignore_malformed":true}}}"#) == ["mis-mapped n"])
        #expect(check(#"{"properties":{"n":{"type":"integer"}}}"#, #"{"n":"x"}"#,
                      settings: #"{"index.mapping.ignore_malformed":"true"}"#) == ["mis-mapped n"])
    }

    @Test("booleans, floats, ips and metadata fields follow the cluster's rules")
    func otherTypes() {
        let mapping = #"{"properties":{"b":{"type":"boolean"},"f":{"type":"float"},"ip":{"type":"ip"}}}"#
        #expect(check(mapping, #"{"b":"false","f":"1.5","ip":"::1"}"#).isEmpty)
        #expect(check(mapping, #"{"b":1,"f":1e300,"ip":"300.1.1.1"}"#) == ["rejected b", "rejected f", "rejected ip"])
        #expect(check(mapping, #"{"_id":"x"}"#) == ["rejected _id"])
    }

    @Test("the real blog_posts 3.0 mapping takes a clean 3.0 document and rejects a stray field")
    func realMapping() throws {
        let checker = MappingChecker(indexBody: try realRecipe().indexBody(for: "3.0"))
        let clean = json(#"""
            {"title":"t","content":"c","author":"alice","author_name":"Alice","category":"news","tags":[],
             "created_date":"2024-01-01","published_date":"2024-01-01T00:00:00Z",
             "metadata":{"word_count":1,"reading_time":1,"language":"en","last_updated":"2026-01-01T00:00:00Z"},
             "engagement":{"views":0,"likes":0,"shares":0,"comments_count":0},"schema_version":"3.0"}
            """#)
        #expect(checker.check(clean).isEmpty)
        guard case .object(var doc) = clean else { return }
        doc["summary"] = "stray"
        #expect(checker.check(.object(doc)).map(\.path.description) == ["summary"])
    }
}
