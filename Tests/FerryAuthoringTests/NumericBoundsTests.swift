import Foundation
import Testing
import FerryAuthoring
import FerryCluster
import FerryCore
import FerryTestSupport

/// Every numeric field type at its exact bounds, judged on the document's own digits, and the
/// same verdicts checked against what osmem-server (OpenSearch's rules) accepts.
@Suite("numeric bounds", .serialized)
struct NumericBoundsTests {
    static let mapping = #"""
        {"properties":{"b":{"type":"byte"},"s":{"type":"short"},"i":{"type":"integer"},"l":{"type":"long"},
         "u":{"type":"unsigned_long"},"h":{"type":"half_float"},"f":{"type":"float"},"d":{"type":"double"},
         "sf":{"type":"scaled_float","scaling_factor":100}}}
        """#

    /// (document, the cluster accepts it). A fraction in an accepted integer is a mis-mapping.
    static let cases: [(String, Bool)] = [
        (#"{"b":127}"#, true), (#"{"b":128}"#, false), (#"{"b":-128}"#, true), (#"{"b":-129}"#, false),
        (#"{"b":127.5}"#, true), (#"{"b":-128.9}"#, true), (#"{"b":"127"}"#, true), (#"{"b":"128"}"#, false),
        (#"{"s":32767}"#, true), (#"{"s":32768}"#, false), (#"{"s":-32768}"#, true), (#"{"s":-32769}"#, false),
        (#"{"s":32767.9}"#, true), (#"{"s":"32767.9"}"#, false),
        (#"{"i":2147483647}"#, true), (#"{"i":2147483648}"#, false), (#"{"i":-2147483648}"#, true),
        (#"{"i":-2147483649}"#, false), (#"{"i":2147483647.5}"#, false), (#"{"i":-2147483648.5}"#, false),
        (#"{"l":9223372036854775807}"#, true), (#"{"l":9223372036854775808}"#, false),
        (#"{"l":-9223372036854775808}"#, true), (#"{"l":-9223372036854775809}"#, false),
        (#"{"l":9.3e18}"#, false), (#"{"l":1e2}"#, true), (#"{"l":"9223372036854775808"}"#, false),
        (#"{"l":"9223372036854775807.9"}"#, true),
        (#"{"u":0}"#, true), (#"{"u":-1}"#, false), (#"{"u":-0.5}"#, true),
        (#"{"u":18446744073709551615}"#, true), (#"{"u":18446744073709551616}"#, false),
        (#"{"u":18446744073709551615.5}"#, true), (#"{"u":1.8446744073709552e19}"#, false),
        (#"{"h":65504}"#, true), (#"{"h":65519}"#, true), (#"{"h":65520}"#, false), (#"{"h":-65520}"#, false),
        (#"{"h":"65519.999"}"#, false),
        (#"{"f":3.4028235e38}"#, true), (#"{"f":3.4028236e38}"#, false),
        (#"{"d":1.7976931348623157e308}"#, true), (#"{"sf":1e308}"#, true),
    ]

    func verdicts(_ document: String) -> [MappingProblem] {
        MappingChecker(mappings: try! JSONValue.parse(Self.mapping)).check(json: Array(document.utf8)) ?? []
    }

    @Test("each type's exact bounds: inside fits, one past is rejected")
    func bounds() {
        for (document, accepted) in Self.cases {
            let rejected = verdicts(document).contains { $0.severity == .rejected }
            #expect(rejected == !accepted, "\(document)")
        }
    }

    @Test("the verdicts agree with osmem-server, document by document")
    func agreesWithTheCluster() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        try client.createIndex("bounds", body: try JSONValue.parse(#"{"mappings":\#(Self.mapping)}"#))
        for (n, (document, accepted)) in Self.cases.enumerated() {
            let response = try client.request(
                .PUT, RequestPath(["bounds", "_doc", "d\(n)"]), body: Array(document.utf8), accept: { _ in true })
            #expect((200..<300).contains(response.status) == accepted, "\(document): HTTP \(response.status)")
        }
    }

    @Test("out-of-range values are printed with their digits, as the document has them")
    func exactDigitsInMessages() throws {
        // Before: "l is long and 9.223372036854776e+18 ..." was never said: 2^63 passed as in range,
        // and u's 2^64 was printed as 1.8446744073709552e+19.
        let long = try #require(verdicts(#"{"l":9223372036854775808}"#).first)
        #expect(long.message == "l is long and 9223372036854775808 is out of its range (-9223372036854775808…9223372036854775807): the cluster rejects the document")
        let unsigned = try #require(verdicts(#"{"u":18446744073709551616}"#).first)
        #expect(unsigned.message == "u is unsigned_long and 18446744073709551616 is out of its range (0…18446744073709551615): the cluster rejects the document")
        let fraction = try #require(verdicts(#"{"u":18446744073709551615.5}"#).first)
        #expect(fraction.message == "u is unsigned_long: 18446744073709551615.5 is indexed as 18446744073709551615 (the fraction is dropped; _source keeps it)")
        let float = try #require(verdicts(#"{"f":3.4028236e38}"#).first)
        #expect(float.message.hasPrefix("f is float and 3.4028236e38 is not a finite float (beyond 3.4028235e38)"))
    }

    @Test("other field types print a number with its digits too")
    func exactDigitsElsewhere() throws {
        let checker = MappingChecker(mappings: try JSONValue.parse(#"{"properties":{"flag":{"type":"boolean"},"meta":{"properties":{"a":{"type":"keyword"}}}}}"#))
        let problems = try #require(checker.check(json: Array(#"{"flag":18446744073709551616,"meta":123456789012345678901}"#.utf8)))
        #expect(problems.map(\.message) == [
            "flag is boolean but 18446744073709551616 is not true, false, \"true\", \"false\" or \"\": the cluster rejects the document",
            "meta is mapped as object but the value is an integer (123456789012345678901): the cluster rejects the document",
        ])
    }
}
