import FerryCore

extension ClusterClient {
    /// `POST /<index>/_search` (or `/_search` when `index` is nil, e.g. for PIT searches).
    /// The page is checked: failed shards or a timeout throw `ClusterError` (.incompleteResults).
    public func search(index: String?, body: [UInt8], query: [(String, String)] = []) throws -> SearchPage {
        let path = RequestPath((index.map { [$0] } ?? []) + ["_search"], query: query)
        return try searchPage(.POST, path, body: body)
    }

    public func search(index: String?, body: JSONValue, query: [(String, String)] = []) throws -> SearchPage {
        try search(index: index, body: body.serializedBytes(), query: query)
    }

    /// Opens a scroll and returns its first page. Ask for `"version": true` or
    /// `"seq_no_primary_term": true` in `body` to get them on each hit; sort on `_doc` for speed.
    public func openScroll(
        index: String, body: [UInt8], size: Int = 1000, keepAlive: Duration = .seconds(300)
    ) throws -> SearchPage {
        let path = RequestPath(
            [index, "_search"], query: [("scroll", timeValue(keepAlive)), ("size", String(size))])
        return try searchPage(.POST, path, body: body)
    }

    public func openScroll(
        index: String, body: JSONValue = ["sort": ["_doc"]], size: Int = 1000, keepAlive: Duration = .seconds(300)
    ) throws -> SearchPage {
        try openScroll(index: index, body: body.serializedBytes(), size: size, keepAlive: keepAlive)
    }

    /// The next page of a scroll. An expired context throws a ClusterError with type
    /// `search_context_missing_exception` (status 404).
    public func scroll(id: String, keepAlive: Duration = .seconds(300)) throws -> SearchPage {
        let body: JSONValue = ["scroll": .string(timeValue(keepAlive)), "scroll_id": .string(id)]
        return try searchPage(.POST, "/_search/scroll", body: body.serializedBytes())
    }

    /// `keepAlive` in the cluster's time-value syntax ("5m", "90s").
    public func openScroll(index: String, body: JSONValue = ["sort": ["_doc"]], size: Int = 1000, keepAlive: String)
        throws -> SearchPage
    {
        let path = RequestPath([index, "_search"], query: [("scroll", keepAlive), ("size", String(size))])
        return try searchPage(.POST, path, body: body.serializedBytes())
    }

    public func scroll(id: String, keepAlive: String) throws -> SearchPage {
        let body: JSONValue = ["scroll": .string(keepAlive), "scroll_id": .string(id)]
        return try searchPage(.POST, "/_search/scroll", body: body.serializedBytes())
    }

    /// Frees a scroll context. A context that is already gone is not an error.
    public func clearScroll(id: String) throws {
        let body: JSONValue = ["scroll_id": [.string(id)]]
        try request(.DELETE, "/_search/scroll", body: body.serializedBytes()) { (200..<300).contains($0) || $0 == 404 }
    }

    /// Scrolls through everything `body` matches, calling `handle` for each non-empty page,
    /// and clears the scroll at the end (also when `handle` throws).
    public func scrollAll(
        index: String, body: JSONValue = ["sort": ["_doc"]], size: Int = 1000, keepAlive: Duration = .seconds(300),
        _ handle: (SearchPage) throws -> Void
    ) throws {
        var page = try openScroll(index: index, body: body, size: size, keepAlive: keepAlive)
        var scrollID = page.scrollID
        defer {
            if let scrollID { try? clearScroll(id: scrollID) }
        }
        while !page.hits.isEmpty {
            try handle(page)
            guard let id = page.scrollID else { break }
            page = try scroll(id: id, keepAlive: keepAlive)
            scrollID = page.scrollID ?? scrollID
        }
    }

    func searchPage(_ method: HTTPMethod, _ path: RequestPath, body: [UInt8]) throws -> SearchPage {
        let response = try request(method, path, body: body)
        do {
            return try SearchPage(body: response.body, method: method, path: path.path)
        } catch var error as ClusterError {
            error.endpoint = config.url
            throw error
        }
    }
}
