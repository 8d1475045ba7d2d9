/// Where libcurl writes a response body: a Swift array, so a caller can take the bytes as they
/// are (a search page goes to the transform thread) instead of copying them out of a C buffer.
import CFerryCurl

final class ResponseSink {
    private(set) var bytes: [UInt8] = []
    /// Set when a response outgrew `limit`; the transfer was failed.
    private(set) var tooLarge = false
    /// Largest body kept in memory (the write callback fails the transfer beyond it).
    static let limit = Int(Int32.max)
    private let handle: UnsafeMutableRawPointer

    init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    /// Before a request: empty, the allocation kept when nobody took it.
    func reset() {
        bytes.removeAll(keepingCapacity: true)
        tooLarge = false
    }

    /// The body, handed over without a copy; the sink starts a new one.
    func take() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        return taken
    }

    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + chunk.count <= Self.limit else {
            tooLarge = true
            return false
        }
        if bytes.isEmpty {
            // The announced length, reserved at the first chunk: the body is not regrown (and
            // recopied) while it arrives. Unknown (-1) or compressed lengths only reserve less.
            var length: curl_off_t = -1
            if ferry_curl_getinfo_off_t(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK, length > 0 {
                bytes.reserveCapacity(Int(min(Int64(length), Int64(Self.limit))))
            }
        }
        bytes.append(contentsOf: chunk)
        return true
    }

    /// The write callback and its argument, for `ferry_curl_set_write_function`.
    static let write: curl_write_callback = writeResponse
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

/// curl's write callback: anything but the chunk's length fails the transfer.
private func writeResponse(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ sink: UnsafeMutableRawPointer?
) -> Int {
    let n = size * count
    guard n > 0, let data, let sink else { return 0 }
    let accepted = Unmanaged<ResponseSink>.fromOpaque(sink).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: n))
    return accepted ? n : 0
}
