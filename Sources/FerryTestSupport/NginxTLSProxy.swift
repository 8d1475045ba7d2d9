import FerryCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real nginx (Debian's package) on loopback ports, terminating TLS in front of an upstream
/// osmem clone, so ferry's TLS options meet a real TLS server. nginx runs in the foreground
/// with its own prefix, config, pid file, error log and temp folders in a temporary folder,
/// and is stopped (and the folder removed) by `stop()` or deinit.
///
/// One listener per situation a test needs:
/// - `.tls`: server certificate for localhost/127.0.0.1 signed by `certificates.caFile`;
/// - `.clientCertificate`: the same, and `ssl_verify_client on` (client certificate from the CA);
/// - `.basicAuth`: the same, and `auth_basic` with user `basicUser` / `basicPassword`;
/// - `.otherHost`: a certificate for "other.example" only.
public final class NginxTLSProxy: @unchecked Sendable {
    public enum Listener: CaseIterable, Sendable {
        case tls, clientCertificate, basicAuth, otherHost
    }

    public let certificates: TestCertificates
    public let basicUser = "ferry-operator"
    public let basicPassword: String
    private let folder: String
    private let ports: [Listener: Int]
    private let process: Process
    private let lock = NSLock()
    private var stopped = false

    /// Starts nginx in front of `upstream` ("http://127.0.0.1:<port>"). Throws, saying to run
    /// scripts/setup.sh --deps, when nginx or openssl is missing.
    public init(upstream: String, timeout: Duration = .seconds(20)) throws {
        guard let nginx = findExecutable("nginx") else {
            throw FerryError("nginx not found (PATH, /usr/sbin): the TLS tests need it; run scripts/setup.sh --deps")
        }
        guard let components = URLComponents(string: upstream), let upstreamPort = components.port else {
            throw FerryError("nginx upstream must be http://127.0.0.1:<port>, not \(upstream)")
        }
        folder = NSTemporaryDirectory() + "ferry-nginx-\(UUID().uuidString)"
        certificates = try TestCertificates.generate(in: "\(folder)/certs")
        basicPassword = "pw-\(UUID().uuidString.prefix(8))"
        try TestCertificates.htpasswdLine(user: basicUser, password: basicPassword)
            .write(toFile: "\(folder)/htpasswd", atomically: true, encoding: .utf8)
        var ports: [Listener: Int] = [:]
        for listener in Listener.allCases { ports[listener] = try unusedLoopbackPort() }
        self.ports = ports
        try Self.config(folder: folder, upstreamPort: upstreamPort, ports: ports, certs: certificates)
            .write(toFile: "\(folder)/nginx.conf", atomically: true, encoding: .utf8)

        process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", folder, "-c", "\(folder)/nginx.conf", "-e", "\(folder)/error.log"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            try waitUntilListening(process, name: "nginx", ports: Array(ports.values), timeout: timeout) { errorLog }
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// "https://127.0.0.1:<port>" of a listener (or "https://<host>:<port>").
    public func url(_ listener: Listener, host: String = "127.0.0.1") -> String {
        "https://\(host):\(ports[listener]!)"
    }

    /// What nginx logged (TLS handshake failures land here), for failure messages.
    public var errorLog: String {
        (try? String(contentsOfFile: "\(folder)/error.log", encoding: .utf8)) ?? ""
    }

    /// Stops nginx (SIGTERM: fast shutdown of master and worker), waits for it and removes
    /// the folder. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func config(folder: String, upstreamPort: Int, ports: [Listener: Int], certs: TestCertificates)
        -> String
    {
        func server(_ listener: Listener, _ extra: String, cert: String, key: String) -> String {
            """
                server {
                    listen 127.0.0.1:\(ports[listener]!) ssl;
                    ssl_certificate \(cert);
                    ssl_certificate_key \(key);
                    \(extra)
                    location / {
                        proxy_pass http://osmem;
                        proxy_set_header Authorization "";
                    }
                }

            """
        }
        // As root, the workers would switch to nobody; they need nothing of the folder but
        // keep them as the user that started the test anyway.
        let user = geteuid() == 0 ? "user root root;" : ""
        let servers = [
            server(.tls, "", cert: certs.serverCertificate, key: certs.serverKey),
            server(.clientCertificate, "ssl_client_certificate \(certs.caFile); ssl_verify_client on;",
                   cert: certs.serverCertificate, key: certs.serverKey),
            server(.basicAuth, "auth_basic \"ferry test\"; auth_basic_user_file \(folder)/htpasswd;",
                   cert: certs.serverCertificate, key: certs.serverKey),
            server(.otherHost, "", cert: certs.otherHostCertificate, key: certs.otherHostKey),
        ].joined()
        return """
            \(user)
            worker_processes 1;
            daemon off;
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log info;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(folder)/client_body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
                client_max_body_size 0;
                proxy_http_version 1.1;
                proxy_request_buffering off;
                proxy_buffering off;
                proxy_set_header Connection "";
                upstream osmem {
                    server 127.0.0.1:\(upstreamPort);
                    keepalive 8;
                }
            \(servers)
            }
            """
    }
}
