/// What an operator should do about a `ClusterError`: the `hint` line under the message.
extension ClusterError {
    public var hint: String? {
        if kind == .circuitOpen {
            return "the cluster kept failing: check its health and the network, then run the same command again "
                + "to resume"
        }
        switch status {
        case 401:
            return "the cluster rejected the credentials: check --user / --api-key / --bearer-token / --aws-sigv4 "
                + "(or FERRY_USER, FERRY_PASSWORD, FERRY_API_KEY, FERRY_BEARER_TOKEN, AWS_*)"
        case 403:
            return "the credentials lack a privilege for \(method.rawValue) \(path): check the role of the user, key "
                + "or token given with --user / --api-key / --bearer-token (with --aws-sigv4: the IAM policy, "
                + "the region and the service)"
        case 413:
            return "the request body is too large for the cluster (http.max_content_length): use smaller batches"
        case 429:
            return "the cluster is overloaded: lower the concurrency or batch size, or retry later"
        default:
            break
        }
        if hasType("search_context_missing_exception") {
            return "the scroll context expired: use a longer keep-alive or process pages faster"
        }
        if kind == .transport, let tls = tlsHint {
            return tls
        }
        if kind == .transport {
            return "check the URL and that the cluster is up and reachable from here"
        }
        if status == 400, reason?.contains("SSL certificate") == true {
            return "the server requires a client certificate: pass --client-cert FILE and --client-key FILE"
        }
        return nil
    }

    /// What to do about a TLS failure, from curl's description of it.
    private var tlsHint: String? {
        guard isTLSFailure, let text = transportError else { return nil }
        let lower = text.lowercased()
        if lower.contains("local issuer") || lower.contains("self-signed") || lower.contains("self signed")
            || lower.contains("unknown ca") || lower.contains("unable to get issuer")
        {
            return "the cluster's certificate is signed by a CA this machine does not trust: pass that CA with "
                + "--ca-cert FILE (or --insecure to skip verification, never in production)"
        }
        if lower.contains("subject name") || lower.contains("host name") || lower.contains("hostname") {
            return "the cluster's certificate is for another host name: put a name the certificate lists in --url"
        }
        if lower.contains("certificate required") || lower.contains("handshake failure") {
            return "the server requires a client certificate: pass --client-cert FILE and --client-key FILE"
        }
        if lower.contains("private key") || lower.contains("client certificate") || lower.contains("pem") {
            return "check the --client-cert and --client-key files (PEM; key password in FERRY_CLIENT_KEY_PASSWORD)"
        }
        if lower.contains("cafile") || lower.contains("ca cert") || lower.contains("certificate file") {
            return "check the --ca-cert file: it must be a PEM bundle of CA certificates"
        }
        return "check the cluster's TLS setup and the --ca-cert / --client-cert options"
    }
}
