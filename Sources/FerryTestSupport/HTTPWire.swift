/// Minimal HTTP/1.1 messages for the fault proxy: enough of RFC 9112 to relay a client that
/// keeps connections alive and a server that answers with Content-Length, chunked encoding or
/// close-delimited bodies. Bodies are always de-chunked; the proxy re-frames with Content-Length.
struct HTTPHeaders: Sendable {
    /// Names as received, in order.
    var fields: [(name: String, value: String)] = []

    subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    mutating func remove(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name, value))
    }

    /// Connection-scoped headers (and the framing the proxy redoes): never relayed as they are.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
        "proxy-authenticate", "content-length", "expect",
    ]

    /// The end-to-end headers, for relaying.
    var endToEnd: HTTPHeaders {
        var out = HTTPHeaders()
        out.fields = fields.filter { !Self.hopByHop.contains($0.name.lowercased()) }
        return out
    }

    var isChunked: Bool {
        self["transfer-encoding"]?.lowercased().contains("chunked") == true
    }

    var wantsClose: Bool {
        self["connection"]?.lowercased().contains("close") == true
    }

    var contentLength: Int? {
        self["content-length"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

struct HTTPRequestMessage: Sendable {
    var method: String
    /// Path and query as sent ("/idx/_search?scroll=1m").
    var target: String
    var version: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var path: String {
        String(target.prefix { $0 != "?" })
    }

    var keepAlive: Bool {
        version == "HTTP/1.1" ? !headers.wantsClose : headers["connection"]?.lowercased() == "keep-alive"
    }
}

struct HTTPResponseMessage: Sendable {
    var status: Int
    var reason: String
    var headers: HTTPHeaders
    var body: [UInt8]
    /// The upstream ended the body by closing: its connection cannot be reused.
    var closeDelimited = false
    /// For a HEAD response: the length the body would have had (relayed, no body sent).
    var headLength: Int?
}

enum HTTPWire {
    /// Reads one request. `onExpectContinue` runs when the client waits for "100 Continue"
    /// before sending its body. nil at EOF or on a malformed request.
    static func readRequest(_ reader: inout SocketReader, onExpectContinue: () -> Void) -> HTTPRequestMessage? {
        var requestLine: String
        repeat {
            guard let line = reader.line() else { return nil }
            requestLine = line
        } while requestLine.isEmpty  // stray CRLFs between requests are allowed (RFC 9112 §2.2)
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, let headers = readHeaders(&reader) else { return nil }
        if headers["expect"]?.lowercased() == "100-continue" { onExpectContinue() }
        let body: [UInt8]
        if headers.isChunked {
            guard let chunked = readChunked(&reader) else { return nil }
            body = chunked
        } else if let length = headers.contentLength {
            guard let fixed = reader.bytes(length) else { return nil }
            body = fixed
        } else {
            body = []
        }
        return HTTPRequestMessage(
            method: String(parts[0]), target: String(parts[1]), version: String(parts[2]), headers: headers, body: body)
    }

    /// Reads one response to a request with `method`, skipping interim 1xx responses.
    static func readResponse(_ reader: inout SocketReader, method: String) -> HTTPResponseMessage? {
        while true {
            guard let statusLine = reader.line() else { return nil }
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let status = Int(parts[1]), let headers = readHeaders(&reader) else { return nil }
            if (100..<200).contains(status) { continue }
            var response = HTTPResponseMessage(
                status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
            if method == "HEAD" || status == 204 || status == 304 {
                response.headLength = headers.contentLength
                return response
            }
            if headers.isChunked {
                guard let body = readChunked(&reader) else { return nil }
                response.body = body
            } else if let length = headers.contentLength {
                guard let body = reader.bytes(length) else { return nil }
                response.body = body
            } else {
                response.body = reader.rest()
                response.closeDelimited = true
            }
            return response
        }
    }

    private static func readHeaders(_ reader: inout SocketReader) -> HTTPHeaders? {
        var headers = HTTPHeaders()
        while true {
            guard let line = reader.line() else { return nil }
            if line.isEmpty { return headers }
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            headers.fields.append((name, value))
        }
    }

    /// A chunked body (RFC 9112 §7.1); extensions and trailers are read and dropped.
    private static func readChunked(_ reader: inout SocketReader) -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = reader.line() else { return nil }
            let hex = sizeLine.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            guard let size = Int(hex, radix: 16), size >= 0 else { return nil }
            if size == 0 {
                while let trailer = reader.line(), !trailer.isEmpty {}
                return body
            }
            guard let chunk = reader.bytes(size), reader.line() != nil else { return nil }
            body.append(contentsOf: chunk)
        }
    }

    static func serialize(_ request: HTTPRequestMessage) -> [UInt8] {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\n"
        for field in request.headers.fields { head += "\(field.name): \(field.value)\r\n" }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + request.body
    }

    /// `headOnly` announces the length the body would have but sends none (HEAD).
    static func serialize(_ response: HTTPResponseMessage, headOnly: Bool, close: Bool) -> [UInt8] {
        let reason = response.reason.isEmpty ? reasonPhrase(response.status) : response.reason
        var head = "HTTP/1.1 \(response.status) \(reason)\r\n"
        for field in response.headers.fields { head += "\(field.name): \(field.value)\r\n" }
        head += "Content-Length: \(headOnly ? response.headLength ?? 0 : response.body.count)\r\n"
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (headOnly ? [] : response.body)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 413: "Request Entity Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
