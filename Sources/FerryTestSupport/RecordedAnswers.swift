/// Answers of Elasticsearch and OpenSearch versions in the shapes their public docs and API
/// specifications show (ids, hashes and names are illustrative), for the compatibility tests:
/// the fault proxy presents them in front of osmem (an OpenSearch 3 look-alike) so each
/// version's API choices can be checked.
public enum RecordedAnswers {
    /// `GET /` of Elasticsearch `number` (7.x and 8.x have the same shape; no `distribution`).
    public static func elasticsearchRoot(_ number: String, lucene: String = "9.11.1", wire: String = "7.17.0") -> String {
        """
        {"name":"es-node-1","cluster_name":"docker-cluster","cluster_uuid":"2Pn6QmCzQ8-nH5Hbs2WZ4w",\
        "version":{"number":"\(number)","build_flavor":"default","build_type":"docker",\
        "build_hash":"4e1b5f3e2c2b5a9f0e7b1e8d1c2a3b4c5d6e7f80","build_date":"2024-08-05T10:05:34.233336849Z",\
        "build_snapshot":false,"lucene_version":"\(lucene)","minimum_wire_compatibility_version":"\(wire)",\
        "minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}
        """
    }

    /// `GET /` of OpenSearch `number`.
    public static func openSearchRoot(_ number: String) -> String {
        """
        {"name":"opensearch-node1","cluster_name":"opensearch-cluster","cluster_uuid":"fKaG3-RXQzq3-p6ONfZrAw",\
        "version":{"distribution":"opensearch","number":"\(number)","build_type":"tar",\
        "build_hash":"aaa7b1b9a0c5b0e5f9c0e0c2b7f1c6c9a0d1e2f3","build_date":"2024-09-10T21:01:24.145567Z",\
        "build_snapshot":false,"lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.10.0",\
        "minimum_index_compatibility_version":"7.0.0"},"tagline":"The OpenSearch Project: https://opensearch.org/"}
        """
    }

    /// `POST /<index>/_pit` (Elasticsearch 7.10+).
    public static let elasticsearchPointInTime =
        #"{"id":"46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAA=="}"#
    /// `DELETE /_pit`.
    public static let elasticsearchPointInTimeClosed = #"{"succeeded":true,"num_freed":3}"#
    /// `PUT /<index>/_block/write` (Elasticsearch 7.9+).
    public static func writeBlockAdded(_ index: String) -> String {
        #"{"acknowledged":true,"shards_acknowledged":true,"indices":[{"name":"\#(index)","blocked":true}]}"#
    }

    /// Elasticsearch 8 without credentials (401).
    public static let elasticsearchUnauthenticated = """
        {"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials for REST request [/]",\
        "header":{"WWW-Authenticate":["Basic realm=\\"security\\" charset=\\"UTF-8\\"","Bearer realm=\\"security\\"","ApiKey"]}}],\
        "type":"security_exception","reason":"missing authentication credentials for REST request [/]",\
        "header":{"WWW-Authenticate":["Basic realm=\\"security\\" charset=\\"UTF-8\\"","Bearer realm=\\"security\\"","ApiKey"]}},"status":401}
        """
    /// Elasticsearch 8, a user without the privilege (403).
    public static let elasticsearchForbidden = """
        {"error":{"root_cause":[{"type":"security_exception","reason":"action [indices:admin/create] is unauthorized for user \
        [ferry] with effective roles [viewer] on indices [blog_posts-2.0-ab12cd34], this action is granted by the index privileges \
        [create_index,manage,all]"}],"type":"security_exception","reason":"action [indices:admin/create] is unauthorized for user \
        [ferry] with effective roles [viewer] on indices [blog_posts-2.0-ab12cd34], this action is granted by the index privileges \
        [create_index,manage,all]"},"status":403}
        """
    /// OpenSearch security plugin without credentials: plain text, not JSON.
    public static let openSearchUnauthenticated = "Unauthorized"
    /// OpenSearch security plugin, a user without the permission (403).
    public static let openSearchForbidden = """
        {"error":{"root_cause":[{"type":"security_exception","reason":"no permissions for [indices:admin/create] and User \
        [name=ferry, backend_roles=[], requestedTenant=null]"}],"type":"security_exception","reason":"no permissions for \
        [indices:admin/create] and User [name=ferry, backend_roles=[], requestedTenant=null]"},"status":403}
        """
    /// Amazon OpenSearch Service refusing a SigV4 signature (403).
    public static let awsSignatureMismatch = """
        {"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret \
        Access Key and signing method. Consult the service documentation for details."}
        """
    /// A point in time that expired (404), Elasticsearch 8.
    public static let elasticsearchContextMissing = """
        {"error":{"root_cause":[{"type":"search_context_missing_exception","reason":"No search context found for id [91]"}],\
        "type":"search_phase_execution_exception","reason":"all shards failed","phase":"query","grouped":true,\
        "failed_shards":[{"shard":-1,"index":null,"reason":{"type":"search_context_missing_exception",\
        "reason":"No search context found for id [91]"}}]},"status":404}
        """
    /// Elasticsearch 7 and OpenSearch: an endpoint the version does not have (400, a bare string).
    public static func noHandler(_ method: String, _ uri: String) -> String {
        #"{"error":"no handler found for uri [\#(uri)] and method [\#(method)]"}"#
    }
}
