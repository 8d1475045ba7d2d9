import CFerryLua

/// The key a script passed to `ctx.lookup(table, key)`.
public enum LookupKey: Hashable, Sendable {
    case integer(Int64)
    case text(String)
}

/// Answers `ctx.lookup(table, key)` for scripts (e.g. from SQLite lookup tables).
/// Called on the engine's thread, synchronously, in the middle of a step; it must not call
/// back into the engine.
public protocol LookupProvider: AnyObject {
    /// The row as the bytes of a JSON object, or nil when there is no row (Lua sees nil).
    /// A thrown error's description becomes the Lua error message.
    func lookupRow(table: String, key: LookupKey) throws -> [UInt8]?
}

/// Carries lookups from the C callback to the provider and keeps the answer's bytes alive
/// until C has decoded them (the next callback overwrites them).
final class LookupBridge {
    var provider: LookupProvider?
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0
    private var cachedTable = ""

    deinit { buffer?.deallocate() }

    private func hold(_ bytes: some Collection<UInt8>) -> (UnsafePointer<CChar>, Int) {
        if buffer == nil || bytes.count > capacity {
            buffer?.deallocate()
            capacity = max(bytes.count, 2 * capacity, 256)
            buffer = .allocate(byteCount: capacity, alignment: 1)
        }
        let raw = UnsafeMutableRawBufferPointer(start: buffer, count: capacity)
        _ = raw.initializeMemory(as: UInt8.self, from: bytes)
        return (UnsafePointer(buffer!.assumingMemoryBound(to: CChar.self)), bytes.count)
    }

    func lookup(
        table: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, integerKey: Int64?,
        row: UnsafeMutablePointer<UnsafePointer<CChar>?>, rowLength: UnsafeMutablePointer<Int>,
        errorOut: UnsafeMutablePointer<UnsafePointer<CChar>?>, errorLength: UnsafeMutablePointer<Int>
    ) -> Int32 {
        if !cachedTable.utf8.elementsEqual(table) {   // steps look up the same few tables over and over
            cachedTable = String(decoding: table, as: UTF8.self)
        }
        guard let provider else {
            (errorOut.pointee, errorLength.pointee) = hold("ctx.lookup('\(cachedTable)', ...): no lookup tables are configured for this run".utf8)
            return -1
        }
        let lookupKey: LookupKey = integerKey.map { .integer($0) } ?? .text(String(decoding: key, as: UTF8.self))
        do {
            guard let bytes = try provider.lookupRow(table: cachedTable, key: lookupKey) else { return 0 }
            (row.pointee, rowLength.pointee) = hold(bytes)
            return 1
        } catch {
            (errorOut.pointee, errorLength.pointee) = hold("\(error)".utf8)
            return -1
        }
    }
}

/// The C callback registered with the state; `userdata` is the engine's `LookupBridge`.
let lookupTrampoline: ferry_lookup_fn = { userdata, table, tableLength, key, keyLength, isInteger, integerKey, row, rowLength, error, errorLength in
    guard let userdata, let row, let rowLength, let error, let errorLength else { return -1 }
    let bridge = Unmanaged<LookupBridge>.fromOpaque(userdata).takeUnretainedValue()
    return bridge.lookup(
        table: UnsafeRawBufferPointer(start: table, count: tableLength),
        key: UnsafeRawBufferPointer(start: key, count: keyLength),
        integerKey: isInteger != 0 ? integerKey : nil,
        row: row, rowLength: rowLength, errorOut: error, errorLength: errorLength)
}
