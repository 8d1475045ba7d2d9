import FerryCore
import Foundation

/// A throwaway PKI made with the `openssl` command in a temporary folder: a CA, a server
/// certificate for localhost/127.0.0.1, one for another host name, and a client certificate,
/// all signed by the CA; plus a second CA that signed nothing the server shows. EC P-256 keys,
/// valid two days.
public struct TestCertificates: Sendable {
    public let folder: String
    public var caFile: String { "\(folder)/ca.pem" }
    /// A CA that did not sign the server's certificate.
    public var otherCAFile: String { "\(folder)/other-ca.pem" }
    public var serverCertificate: String { "\(folder)/server.pem" }
    public var serverKey: String { "\(folder)/server.key" }
    /// Issued for "other.example" only.
    public var otherHostCertificate: String { "\(folder)/otherhost.pem" }
    public var otherHostKey: String { "\(folder)/otherhost.key" }
    public var clientCertificate: String { "\(folder)/client.pem" }
    public var clientKey: String { "\(folder)/client.key" }
    /// `clientKey` encrypted (AES-256) with `encryptedClientKeyPassword`.
    public var encryptedClientKey: String { "\(folder)/client-encrypted.key" }
    public static let encryptedClientKeyPassword = "key-pass-for-tests"

    /// Generates everything in `folder` (created if missing).
    public static func generate(in folder: String) throws -> TestCertificates {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certs = TestCertificates(folder: folder)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for (name, subject) in [("ca", "Ferry Test CA"), ("other-ca", "Ferry Other CA")] {
            try openssl(["req", "-x509"] + ec + [
                "-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).pem", "-days", "2",
                "-subj", "/CN=\(subject)", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        let leaves = [
            ("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("otherhost", "other.example", "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n"),
            ("client", "ferry-client", "extendedKeyUsage=clientAuth\n"),
        ]
        for (name, commonName, extensions) in leaves {
            let ext = "\(folder)/\(name).ext"
            try extensions.write(toFile: ext, atomically: true, encoding: .utf8)
            try openssl(["req"] + ec + [
                "-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).csr", "-subj", "/CN=\(commonName)",
            ])
            try openssl([
                "x509", "-req", "-in", "\(folder)/\(name).csr", "-CA", certs.caFile, "-CAkey", "\(folder)/ca.key",
                "-CAcreateserial", "-out", "\(folder)/\(name).pem", "-days", "2", "-extfile", ext,
            ])
        }
        try openssl([
            "pkey", "-in", certs.clientKey, "-out", certs.encryptedClientKey, "-aes256",
            "-passout", "pass:\(encryptedClientKeyPassword)",
        ])
        return certs
    }

    /// An htpasswd line for nginx's `auth_basic_user_file` (`openssl passwd -apr1`).
    public static func htpasswdLine(user: String, password: String) throws -> String {
        let hash = try openssl(["passwd", "-apr1", password]).trimmingCharacters(in: .whitespacesAndNewlines)
        return "\(user):\(hash)\n"
    }

    /// Runs `openssl <arguments>`; its stdout, or an error with its stderr.
    @discardableResult
    static func openssl(_ arguments: [String]) throws -> String {
        guard let binary = findExecutable("openssl") else {
            throw FerryError("openssl not found: the TLS tests need it; run scripts/setup.sh --deps")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Small outputs: read both to the end, then reap.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FerryError(
                "openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                    + String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}

/// The first executable called `name` in PATH or the usual system folders (nginx lives in
/// /usr/sbin, often not in a test runner's PATH).
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
