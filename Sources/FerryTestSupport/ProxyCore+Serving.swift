import FerryCore
import Foundation

/// Serving one client connection: read a request, apply the rule that fires (if any), relay
/// to the upstream, answer. Keep-alive on both sides; the upstream connection belongs to this
/// client connection and is replaced when the upstream closes it.
extension ProxyCore {
    private struct Upstream {
        let fd: Int32
        var reader: SocketReader
    }

    /// What happens to the client connection after a request.
    private enum Next {
        case keepAlive, close
    }

    func serve(client fd: Int32) {
        var reader = SocketReader(fd: fd)
        var upstream: Upstream?
        var resetClient = false
        defer {
            if let upstream { release(upstream.fd) }
            release(fd, reset: resetClient)
        }
        let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        while let request = HTTPWire.readRequest(
            &reader, onExpectContinue: { _ = ProxySocket.writeAll(fd, continueLine) })
        {
            let next = handle(request, client: fd, upstream: &upstream, reset: &resetClient)
            guard next == .keepAlive, request.keepAlive else { return }
        }
    }

    private func handle(
        _ request: HTTPRequestMessage, client: Int32, upstream: inout Upstream?, reset: inout Bool
    ) -> Next {
        guard let action = decide(request) else {
            let response = forward(request, upstream: &upstream)
            record(request, fault: nil, forwarded: true, status: response.status)
            return answer(client, response, to: request)
        }
        switch action {
        case .respond(let status, let headers, let body):
            record(request, fault: .responded, forwarded: false, status: status)
            return answer(client, Self.response(status, headers: headers, body: body), to: request)
        case .requireAuthorization:
            guard case .respond(let status, let headers, let body) = FaultAction.unauthorized else { return .close }
            record(request, fault: .unauthorized, forwarded: false, status: status)
            return answer(client, Self.response(status, headers: headers, body: body), to: request)
        case .resetBeforeForwarding:
            record(request, fault: .resetBeforeForwarding, forwarded: false, status: nil)
            reset = true
            return .close
        case .resetAfterForwarding:
            _ = forward(request, upstream: &upstream)
            record(request, fault: .resetAfterForwarding, forwarded: true, status: nil)
            reset = true
            return .close
        case .stall(let duration):
            let response = forward(request, upstream: &upstream)
            record(request, fault: .stalled, forwarded: true, status: response.status)
            guard pause(duration) else { return .close }
            return answer(client, response, to: request)
        case .rewriteResponse(let rewrite):
            var response = forward(request, upstream: &upstream)
            var proxied = ProxiedResponse(status: response.status, body: response.body)
            rewrite(&proxied)
            response.status = proxied.status
            response.reason = ""
            response.body = proxied.body
            record(request, fault: .rewritten, forwarded: true, status: response.status)
            return answer(client, response, to: request)
        case .rewriteRequest(let rewrite):
            var changed = request
            rewrite(&changed.body)
            let response = forward(changed, upstream: &upstream)
            record(request, fault: changed.body == request.body ? nil : .rewritten, forwarded: true, status: response.status)
            return answer(client, response, to: request)
        case .rejectBulkItems(let selection):
            return rejectItems(selection, of: request, client: client, upstream: &upstream)
        }
    }

    /// Forwards only the items `selection` spares and answers for the others with a 429 each,
    /// so the cluster's state matches the response exactly.
    private func rejectItems(
        _ selection: BulkItemSelection, of request: HTTPRequestMessage, client: Int32, upstream: inout Upstream?
    ) -> Next {
        guard let bulk = BulkBody(request.body) else {
            let response = forward(request, upstream: &upstream)
            record(request, fault: nil, forwarded: true, status: response.status)
            return answer(client, response, to: request)
        }
        let rejected = select(selection, in: bulk)
        let rejectedSet = Set(rejected)
        let kept = bulk.items.indices.filter { !rejectedSet.contains($0) }
        var response = Self.response(200, headers: ["Content-Type": "application/json; charset=UTF-8"], body: "")
        var upstreamBody: [UInt8]?
        if !kept.isEmpty {
            var partial = request
            partial.body = bulk.body(keeping: kept)
            let relayed = forward(partial, upstream: &upstream)
            // A whole-request error (400, 503, ...) is relayed as it is: there is nothing to merge.
            guard relayed.status == 200 else {
                record(request, fault: nil, forwarded: true, status: relayed.status, bulkItems: bulk.items.count)
                return answer(client, relayed, to: request)
            }
            response = relayed
            upstreamBody = relayed.body
        }
        let defaultIndex = BulkBody.defaultIndex(path: request.path)
        guard
            let merged = bulk.mergedResponse(
                upstream: upstreamBody, forwarded: kept, rejected: rejected, defaultIndex: defaultIndex)
        else {
            record(request, fault: nil, forwarded: true, status: response.status, bulkItems: bulk.items.count)
            return answer(client, response, to: request)
        }
        response.body = merged
        record(
            request, fault: rejected.isEmpty ? nil : .rejectedBulkItems, forwarded: !kept.isEmpty, status: 200,
            bulkItems: bulk.items.count, rejectedItems: rejected.count)
        return answer(client, response, to: request)
    }

    // MARK: Relaying

    /// Sends `request` upstream and returns its response; a 502 when the upstream cannot be
    /// reached or breaks off (the proxy itself never invents a success).
    private func forward(_ request: HTTPRequestMessage, upstream: inout Upstream?) -> HTTPResponseMessage {
        if let current = upstream, ProxySocket.isClosedByPeer(current.fd) {
            release(current.fd)
            upstream = nil
        }
        if upstream == nil {
            guard let fd = try? ProxySocket.connectLoopback(host: upstreamHost, port: upstreamPort), register(fd)
            else { return Self.gatewayError("cannot connect to the upstream") }
            upstream = Upstream(fd: fd, reader: SocketReader(fd: fd))
        }
        guard var connection = upstream else { return Self.gatewayError("no upstream connection") }
        var outgoing = request
        outgoing.target = upstreamBasePath + request.target
        outgoing.headers = request.headers.endToEnd
        outgoing.headers.set("Host", "\(upstreamHost):\(upstreamPort)")
        let sent = ProxySocket.writeAll(connection.fd, HTTPWire.serialize(outgoing))
        guard sent, var response = HTTPWire.readResponse(&connection.reader, method: request.method) else {
            release(connection.fd)
            upstream = nil
            return Self.gatewayError("the upstream closed the connection without a complete response")
        }
        upstream = connection
        if response.closeDelimited || response.headers.wantsClose {
            release(connection.fd)
            upstream = nil
        }
        response.headers = response.headers.endToEnd
        return response
    }

    private func answer(_ client: Int32, _ response: HTTPResponseMessage, to request: HTTPRequestMessage) -> Next {
        let close = !request.keepAlive
        let bytes = HTTPWire.serialize(response, headOnly: request.method == "HEAD", close: close)
        return ProxySocket.writeAll(client, bytes) && !close ? .keepAlive : .close
    }

    private static func response(_ status: Int, headers: [String: String], body: String) -> HTTPResponseMessage {
        var fields = HTTPHeaders()
        if !body.isEmpty, !headers.keys.contains(where: { $0.lowercased() == "content-type" }) {
            fields.set("Content-Type", "application/json; charset=UTF-8")
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.set(name, value) }
        let bytes = Array(body.utf8)
        return HTTPResponseMessage(status: status, reason: "", headers: fields, body: bytes, headLength: bytes.count)
    }

    private static func gatewayError(_ reason: String) -> HTTPResponseMessage {
        response(502, headers: ["Content-Type": "text/plain"], body: "fault proxy: \(reason)")
    }

    // MARK: Recording

    private func record(
        _ request: HTTPRequestMessage, fault: FaultKind?, forwarded: Bool, status: Int?, bulkItems: Int? = nil,
        rejectedItems: Int = 0
    ) {
        capture(request)
        var headers: [String: String] = [:]
        var secrets: [String: RedactedCredential] = [:]
        for field in request.headers.fields {
            let name = field.name.lowercased()
            if ProxiedRequest.secretHeaders.contains(name) {
                secrets[name] = RedactedCredential(field.value)
            } else {
                headers[name] = field.value
            }
        }
        let items = bulkItems ?? (PathMatch.bulk.matches(request.path) ? BulkBody(request.body)?.items.count : nil)
        record(
            ProxiedRequest(
                method: request.method, target: request.target,
                headerNames: request.headers.fields.map { $0.name.lowercased() }, headers: headers, secrets: secrets,
                bodySize: request.body.count, bulkItems: items, fault: fault, forwarded: forwarded, status: status,
                rejectedItems: rejectedItems))
    }
}
