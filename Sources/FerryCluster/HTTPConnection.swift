import CFerryCurl
import FerryCore
import Foundation

public enum HTTPMethod: String, Sendable {
    case GET, HEAD, POST, PUT, DELETE
}

/// What came back from one attempt: an HTTP status (any status, errors included) or a
/// transport failure (no complete HTTP response).
enum HTTPOutcome {
    case response(status: Int, retryAfter: Duration?)
    case failure(TransportFailure)
}

struct TransportFailure: Sendable {
    /// The CURLcode.
    let code: Int
    /// curl_easy_strerror text, e.g. "Couldn't connect to server".
    let message: String
    /// curl's error buffer, e.g. "Failed to connect to 127.0.0.1 port 9 after 0 ms: Connection refused".
    /// Holds host and port, never credentials (they are never part of the URL we hand curl).
    let detail: String

    /// Failures where the request may not have reached the cluster, or the cluster may
    /// recover: worth retrying.
    var isRetryable: Bool {
        // A TLS alert (say, "certificate required") arrives as a receive error: it will not
        // change on a retry.
        if detail.contains(" alert ") { return false }
        switch UInt32(code) {
        case CURLE_COULDNT_CONNECT.rawValue, CURLE_OPERATION_TIMEDOUT.rawValue, CURLE_SEND_ERROR.rawValue,
            CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue, CURLE_PARTIAL_FILE.rawValue:
            return true
        default:
            return false
        }
    }
}

extension TransportFailure {
    /// Certificate and handshake failures, and TLS alerts that arrive as read errors.
    static func isTLS(code: CURLcode, detail: String) -> Bool {
        switch code {
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ENGINE_NOTFOUND:
            return true
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            return detail.contains("SSL")
        default:
            return false
        }
    }
}

/// One libcurl easy handle and the buffers it writes into. Reusing it for every request of a
/// thread keeps connections alive (curl's connection cache lives in the handle).
/// Not thread-safe and not Sendable: one per thread.
public final class HTTPConnection {
    private let handle: UnsafeMutableRawPointer
    private let config: ClusterConfig
    private let response: ResponseSink
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// A valid pointer for zero-length bodies (curl wants non-NULL POSTFIELDS).
    private let emptyBody: UnsafeMutableRawPointer
    /// Header lists per content type, built once: auth header (if any), `Expect:` (no
    /// 100-continue round trip before big bulk bodies), Accept and Content-Type.
    private var headerLists: [String: OpaquePointer] = [:]
    /// Set for AWS SigV4: every request gets its own signed header list.
    private var signing: SigningTarget?

    public init(config: ClusterConfig) throws {
        let rc = ferry_curl_global_init()
        guard rc == CURLE_OK, let handle = curl_easy_init() else {
            throw FerryError("cannot initialise libcurl: \(String(cString: curl_easy_strerror(rc)))")
        }
        self.handle = handle
        self.config = config
        response = ResponseSink(handle: handle)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        emptyBody = .allocate(byteCount: 1, alignment: 1)
        emptyBody.storeBytes(of: 0, as: UInt8.self)
        if case .awsSigV4(let aws) = config.auth { signing = SigningTarget(url: config.url, signer: aws) }
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in headerLists.values { curl_slist_free_all(UnsafeMutablePointer(list)) }
        errorBuffer.deallocate()
        emptyBody.deallocate()
    }

    /// Calls `read` with the body of the last response (until the next `perform`, unless taken).
    public func withResponseBody<R>(_ read: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try response.bytes.withUnsafeBytes(read)
    }

    /// The body of the last response, handed over without a copy (the connection keeps none).
    public func takeResponseBody() -> [UInt8] {
        response.take()
    }

    /// Performs one request, no retries. `target` is the already-encoded path and query
    /// ("/idx/_search?scroll=1m"). The body is handed to curl without copying.
    /// `timeout` (default `config.requestTimeout`) bounds the whole request.
    func perform(
        _ method: HTTPMethod, target: String, body: UnsafeRawBufferPointer?, contentType: String, timeout: Duration? = nil
    ) -> HTTPOutcome {
        let timeout = timeout ?? config.requestTimeout
        response.reset()
        errorBuffer[0] = 0
        // Reset keeps live connections, DNS and TLS session caches; it only clears options,
        // so nothing from the previous request (NOBODY, CUSTOMREQUEST, ...) leaks into this one.
        curl_easy_reset(handle)
        var setup = OptionSetter(handle: handle)
        var signedHeaders: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(signedHeaders) }
        if let signing {
            signedHeaders = signing.headerList(
                method: method, target: target, baseLines: baseHeaderLines(contentType),
                body: body ?? UnsafeRawBufferPointer(start: emptyBody, count: 0))
            if signedHeaders == nil { setup.check(CURLE_OUT_OF_MEMORY, "CURLOPT_HTTPHEADER") }
        }
        let headerList = signedHeaders.map(OpaquePointer.init) ?? headers(for: contentType)
        if headerList == nil { setup.check(CURLE_OUT_OF_MEMORY, "CURLOPT_HTTPHEADER") }
        applyCommonOptions(&setup, headers: headerList, timeout: timeout)
        setup.string(CURLOPT_URL, config.url + target, "CURLOPT_URL")

        let code: CURLcode = withBody(body, method: method) { pointer, count in
            switch method {
            case .HEAD:
                setup.long(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
            case .GET where pointer == nil:
                setup.long(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
            case .DELETE where pointer == nil:
                setup.string(CURLOPT_CUSTOMREQUEST, "DELETE", "CURLOPT_CUSTOMREQUEST")
            default:
                // POSTFIELDS does not copy: `pointer` stays valid for the whole perform below.
                setup.offset(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(count), "CURLOPT_POSTFIELDSIZE_LARGE")
                setup.pointer(CURLOPT_POSTFIELDS, pointer ?? emptyBody, "CURLOPT_POSTFIELDS")
                if method != .POST {
                    setup.string(CURLOPT_CUSTOMREQUEST, method.rawValue, "CURLOPT_CUSTOMREQUEST")
                }
            }
            // An option this libcurl rejects (say, no SigV4 or TLS support) must not turn into
            // an unauthenticated or unverified request: fail instead.
            if setup.failure != nil { return setup.failureCode }
            return curl_easy_perform(handle)
        }

        if let failure = setup.failure {
            return .failure(TransportFailure(code: Int(setup.failureCode.rawValue), message: failure, detail: failure))
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            var message = String(cString: curl_easy_strerror(code))
            if response.tooLarge { message = "response larger than \(ResponseSink.limit) bytes" }
            if code == CURLE_OPERATION_TIMEDOUT { message = timeoutMessage(detail, timeout: timeout) }
            // For TLS the cause is in curl's detail ("unable to get local issuer certificate",
            // "no alternative certificate subject name matches ..."), not in the generic text.
            if TransportFailure.isTLS(code: code, detail: detail), !detail.isEmpty { message = "TLS: \(detail)" }
            return .failure(TransportFailure(code: Int(code.rawValue), message: message, detail: detail))
        }
        var status = 0
        _ = ferry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var retryAfterSeconds: curl_off_t = 0
        let retryAfter: Duration? =
            ferry_curl_getinfo_off_t(handle, CURLINFO_RETRY_AFTER, &retryAfterSeconds) == CURLE_OK
                && retryAfterSeconds > 0 ? .seconds(retryAfterSeconds) : nil
        return .response(status: status, retryAfter: retryAfter)
    }

    /// Names the limit that was hit, so an operator knows which setting to raise: curl says
    /// "Operation timed out after N ms" for the whole-request limit and "Connection timed
    /// out" / "Resolving timed out" while connecting.
    private func timeoutMessage(_ detail: String, timeout: Duration) -> String {
        if detail.hasPrefix("Operation timed out") {
            if timeout < config.requestTimeout { return "deadline reached (\(timeValue(timeout)) were left for this request)" }
            return "request timeout of \(timeValue(config.requestTimeout)) reached"
        }
        return "connect timeout of \(timeValue(config.connectTimeout)) reached"
    }

    private func withBody<R>(
        _ body: UnsafeRawBufferPointer?, method: HTTPMethod,
        _ run: (UnsafeMutableRawPointer?, Int) -> R
    ) -> R {
        guard let body else { return run(method == .PUT || method == .POST ? emptyBody : nil, 0) }
        return run(UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(emptyBody)), body.count)
    }

    private func applyCommonOptions(_ setup: inout OptionSetter, headers: OpaquePointer?, timeout: Duration) {
        let h = handle
        setup.check(ferry_curl_set_write_function(h, ResponseSink.write, response.context), "CURLOPT_WRITEFUNCTION")
        setup.pointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer), "CURLOPT_ERRORBUFFER")
        // No signals: timeouts must not longjmp through a multi-threaded process.
        setup.long(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        setup.long(CURLOPT_CONNECTTIMEOUT_MS, Self.ms(config.connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
        setup.long(CURLOPT_TIMEOUT_MS, Self.ms(timeout), "CURLOPT_TIMEOUT_MS")
        // Keepalive tuning is best effort: not every platform has these knobs.
        _ = ferry_curl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ferry_curl_setopt_long(h, CURLOPT_TCP_KEEPIDLE, 30)
        _ = ferry_curl_setopt_long(h, CURLOPT_TCP_KEEPINTVL, 15)
        // Ids like ".." must reach the cluster as they are, not be folded as dot segments.
        setup.long(CURLOPT_PATH_AS_IS, 1, "CURLOPT_PATH_AS_IS")
        setup.string(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        setup.pointer(CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers), "CURLOPT_HTTPHEADER")

        switch config.auth {
        case .none, .apiKey, .bearer, .awsSigV4:
            break  // header-based auth lives in the header list
        case .basic(let user, let password):
            setup.long(CURLOPT_HTTPAUTH, FERRY_CURLAUTH_BASIC, "CURLOPT_HTTPAUTH")
            setup.string(CURLOPT_USERNAME, user, "CURLOPT_USERNAME")
            setup.string(CURLOPT_PASSWORD, password, "CURLOPT_PASSWORD")
        }

        let tls = config.tls
        setup.long(CURLOPT_SSL_VERIFYPEER, tls.insecure ? 0 : 1, "CURLOPT_SSL_VERIFYPEER")
        setup.long(CURLOPT_SSL_VERIFYHOST, tls.insecure ? 0 : 2, "CURLOPT_SSL_VERIFYHOST")
        if let ca = tls.caFile { setup.string(CURLOPT_CAINFO, ca, "CURLOPT_CAINFO") }
        if let cert = tls.clientCertificate { setup.string(CURLOPT_SSLCERT, cert, "CURLOPT_SSLCERT") }
        if let key = tls.clientKey { setup.string(CURLOPT_SSLKEY, key, "CURLOPT_SSLKEY") }
        if let pass = tls.clientKeyPassword { setup.string(CURLOPT_KEYPASSWD, pass, "CURLOPT_KEYPASSWD") }
    }

    private func headers(for contentType: String) -> OpaquePointer? {
        if let list = headerLists[contentType] { return list }
        var lines = baseHeaderLines(contentType)
        switch config.auth {
        case .apiKey(let key): lines.append("Authorization: ApiKey \(key)")
        case .bearer(let token): lines.append("Authorization: Bearer \(token)")
        default: break
        }
        let opaque = makeHeaderList(lines).map(OpaquePointer.init)
        if let opaque { headerLists[contentType] = opaque }
        return opaque
    }

    private func baseHeaderLines(_ contentType: String) -> [String] {
        var lines = ["Expect:", "Accept: application/json"]
        if !contentType.isEmpty { lines.append("Content-Type: \(contentType)") }
        return lines
    }

    private static func ms(_ d: Duration) -> Int {
        max(1, Int(RetryPolicy.milliseconds(d)))
    }
}

@available(*, unavailable)
extension HTTPConnection: Sendable {}

/// Sets options and remembers the first one libcurl rejects. Error texts name the option,
/// never its value (values include passwords).
private struct OptionSetter {
    let handle: UnsafeMutableRawPointer
    private(set) var failure: String?
    private(set) var failureCode = CURLE_OK

    init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    mutating func check(_ rc: CURLcode, _ name: StaticString) {
        guard rc != CURLE_OK, failure == nil else { return }
        failure = "libcurl rejected \(name): \(String(cString: curl_easy_strerror(rc)))"
        failureCode = rc
    }

    mutating func long(_ option: CURLoption, _ value: Int, _ name: StaticString) {
        check(ferry_curl_setopt_long(handle, option, value), name)
    }

    mutating func string(_ option: CURLoption, _ value: String, _ name: StaticString) {
        check(ferry_curl_setopt_string(handle, option, value), name)
    }

    mutating func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?, _ name: StaticString) {
        check(ferry_curl_setopt_pointer(handle, option, value), name)
    }

    mutating func offset(_ option: CURLoption, _ value: curl_off_t, _ name: StaticString) {
        check(ferry_curl_setopt_off_t(handle, option, value), name)
    }
}
