import CFerryCurl
import Foundation

/// Header lists for libcurl, and the per-request AWS SigV4 list: what is signed must be
/// exactly what is sent, so the Host header is set here rather than left to curl.
struct SigningTarget {
    let signer: AWSSigV4
    /// "host[:port]" as in the cluster URL, without a default port.
    let host: String
    /// Path prefix of the cluster URL ("" or "/es").
    let basePath: String

    init(url: String, signer: AWSSigV4) {
        self.signer = signer
        // `url` is validated and without credentials (see ClusterConfig.init).
        let afterScheme = url.range(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        var host = String(afterScheme[..<slash])
        let https = url.lowercased().hasPrefix("https://")
        if https, host.hasSuffix(":443") { host.removeLast(4) }
        if !https, host.hasSuffix(":80") { host.removeLast(3) }
        self.host = host
        basePath = String(afterScheme[slash...])
    }

    /// The request's headers as a curl list; nil if it could not be allocated. The caller frees it.
    func headerList(method: HTTPMethod, target: String, baseLines: [String], body: UnsafeRawBufferPointer)
        -> UnsafeMutablePointer<curl_slist>?
    {
        makeHeaderList(headerLines(method: method, target: target, baseLines: baseLines, body: body))
    }

    /// `baseLines` with `Host`, the `x-amz-*` headers and `Authorization` added.
    func headerLines(method: HTTPMethod, target: String, baseLines: [String], body: UnsafeRawBufferPointer)
        -> [String]
    {
        let full = basePath + target
        let queryStart = full.firstIndex(of: "?")
        let path = String(full[..<(queryStart ?? full.endIndex)])
        let query = queryStart.map { String(full[full.index(after: $0)...]) } ?? ""
        var signed: [(name: String, value: String)] = [("host", host)]
        for line in baseLines where line.lowercased().hasPrefix("content-type:") {
            signed.append(("content-type", String(line.dropFirst("content-type:".count))))
        }
        let added = signer.signedHeaders(method: method.rawValue, path: path, query: query, headers: signed, body: body)
        return baseLines + ["Host: \(host)"] + added.map { "\($0.name): \($0.value)" }
    }
}

/// A curl header list of `lines`; nil (nothing leaked) if any line could not be added, so a
/// request never goes out without a header it was meant to carry.
func makeHeaderList(_ lines: [String]) -> UnsafeMutablePointer<curl_slist>? {
    var list: UnsafeMutablePointer<curl_slist>?
    for line in lines {
        guard let next = ferry_curl_header_append(list, line) else {
            curl_slist_free_all(list)
            return nil
        }
        list = next
    }
    return list
}
