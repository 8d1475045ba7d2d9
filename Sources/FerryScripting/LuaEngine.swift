// FerryScripting: runs recipe steps (Lua 5.4) on documents inside a sandboxed Lua state.
//
// Public API
//   struct SandboxLimits { memoryBytes: Int; timePerDocument: Duration; workUnitsPerDocument: Int; static default (64 MiB, 1 s, no work budget) }
//   final class DocumentProgress: Sendable { func current() -> DocumentInProgress? }   // engine.progress
//   final class TransformWatchdog: Sendable                                           // see Watchdog.swift
//   final class LuaEngine                       // one lua_State; not Sendable: one per worker thread
//     init(requireRoots: [String], limits: SandboxLimits = .default, runStartedAt: String) throws(ScriptError)
//     var lookupProvider: LookupProvider?       // held strongly; serves ctx.lookup(table, key)
//     func setContext(_ key: String, _ value: String) throws(ScriptError)      // extra run-level ctx fields
//     func loadStep(script: String, from: String, to: String) throws(ScriptError) -> LoadedStep
//     func transform(source: UnsafeRawBufferPointer, id: String, index: String, steps: [LoadedStep])
//         throws(TransformError) -> TransformOutcome       // .kept(bytes valid until the next call) / .dropped(stepIndex:)
//     func transformStep(source:id:index:step:) throws(TransformError) -> TransformOutcome   // one step, for previews
//     func evaluate(path: String) throws(ScriptError) -> [UInt8]          // a file's returned value as JSON bytes
//     func evaluateManifest(path: String) throws(ScriptError) -> JSONValue
//     func roundTrip(json: [UInt8]) throws(TransformError) -> [UInt8]     // decode + encode, for fidelity tests
//     var memoryUsed: Int
//   struct LoadedStep { from, to, scriptPath, label "from→to" }
//   enum TransformOutcome { case kept(UnsafeRawBufferPointer), dropped(stepIndex: Int) }
//   protocol LookupProvider: AnyObject { func lookupRow(table: String, key: LookupKey) throws -> [UInt8]? }
//   enum LookupKey { case integer(Int64), text(String) }
//   struct TransformError: UserFacingError { kind, documentID, stepIndex, step, scriptPath, line, message }
//   struct ScriptError: UserFacingError { kind, path, line, message }
//
// Lua side: each step file returns function(doc, ctx); ctx (read-only) has id, index, from, to,
// run_started_at and lookup(table, key). `ferry` has null, array, object, is_array, is_object,
// is_null, bignum, is_bignum. require searches only `requireRoots`. No io/os/debug/package/load.
//
// All Lua work happens in C under lua_pcall (CFerryLua); Swift only sees status codes, so a Lua
// error never unwinds through a Swift frame. The hot path (`transform`) is one C call per
// document: no JSON parsing and no heap allocation in Swift.

import CFerryLua
import FerryCore

public final class LuaEngine {
    private let state: OpaquePointer
    private let engineID: UInt64
    private let lookups = LookupBridge()
    public let limits: SandboxLimits
    public let requireRoots: [String]
    /// The document this engine is transforming right now, for a `TransformWatchdog`.
    public let progress = DocumentProgress()

    /// Serves `ctx.lookup`. Held strongly (the engine never outlives its worker, and a weak
    /// reference that silently vanished would turn into confusing Lua errors).
    public var lookupProvider: LookupProvider? {
        get { lookups.provider }
        set { lookups.provider = newValue }
    }

    /// Bytes currently allocated by the Lua state.
    public var memoryUsed: Int { ferry_lua_memory_used(state) }

    /// - Parameters:
    ///   - requireRoots: folders `require` searches, in order (the recipe folder, then `transforms/`).
    ///   - runStartedAt: exposed to scripts as `ctx.run_started_at`.
    public init(requireRoots: [String], limits: SandboxLimits = .default, runStartedAt: String) throws(ScriptError) {
        guard let state = ferry_lua_create(max(limits.memoryBytes, 0), limits.milliseconds) else {
            throw ScriptError(kind: .engine, path: "", message: "cannot allocate a Lua state")
        }
        for root in requireRoots {
            _ = root.withCString { ferry_lua_add_root(state, $0) }
        }
        let status = ferry_lua_open(state)
        if status != FERRY_OK {
            let message = "cannot create the Lua sandbox: " + Self.errorText(state)
            ferry_lua_destroy(state)
            throw ScriptError(kind: status == FERRY_ERR_MEMORY ? .memoryLimit : .engine, path: "", message: message)
        }
        self.state = state
        self.engineID = ferry_lua_id(state)
        ferry_lua_set_work_budget(state, UInt64(max(limits.workUnitsPerDocument, 0)))
        ferry_lua_set_progress(state, progress.pointer)
        self.limits = limits
        self.requireRoots = requireRoots
        ferry_lua_set_lookup(state, lookupTrampoline, Unmanaged.passUnretained(lookups).toOpaque())
        try setContext("run_started_at", runStartedAt)
    }

    deinit {
        ferry_lua_destroy(state)
    }

    /// Sets a run-level string field on `ctx` (e.g. "recipe", "run_id").
    public func setContext(_ key: String, _ value: String) throws(ScriptError) {
        var value = value
        let status = key.withCString { keyPointer in
            value.withUTF8 { ferry_lua_set_context(state, keyPointer, cChars($0), $0.count) }
        }
        if status != FERRY_OK { throw scriptError(status, path: "") }
    }

    /// Loads a step file; it runs once now (its top-level `require`s too) and must return
    /// `function(doc, ctx)`.
    public func loadStep(script path: String, from: String, to: String) throws(ScriptError) -> LoadedStep {
        var slot: Int32 = -1
        let status = path.withCString { p in
            from.withCString { f in to.withCString { t in ferry_lua_load_step(state, p, f, t, &slot) } }
        }
        if status != FERRY_OK { throw scriptError(status, path: path) }
        return LoadedStep(from: from, to: to, scriptPath: path, slot: slot, engineID: engineID)
    }

    /// Decodes `source` once, runs `steps` in order (each gets the previous step's table) and
    /// encodes the result. `.kept` bytes are valid until the next call on this engine.
    public func transform(
        source: UnsafeRawBufferPointer, id: String, index: String, steps: [LoadedStep]
    ) throws(TransformError) -> TransformOutcome {
        let status = withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(steps.count, 1)) { slots in
            for (i, step) in steps.enumerated() {
                precondition(step.engineID == engineID, "step \(step.label) was loaded by another LuaEngine")
                slots[i] = step.slot
            }
            var id = id
            var index = index
            return id.withUTF8 { idBytes in
                index.withUTF8 { indexBytes in
                    ferry_lua_run_chain(
                        state, source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
                        cChars(idBytes), idBytes.count, cChars(indexBytes), indexBytes.count,
                        slots.baseAddress, steps.count)
                }
            }
        }
        switch status {
        case FERRY_OK: return .kept(output())
        case FERRY_DROPPED: return .dropped(stepIndex: Int(ferry_lua_failed_step(state)))
        default: throw transformError(status, documentID: id, steps: steps)
        }
    }

    /// Runs exactly one step (for per-step previews); same semantics as `transform`.
    public func transformStep(
        source: UnsafeRawBufferPointer, id: String, index: String, step: LoadedStep
    ) throws(TransformError) -> TransformOutcome {
        try transform(source: source, id: id, index: index, steps: [step])
    }

    /// Runs a file that returns a value (e.g. `recipe.lua`) and returns that value as JSON bytes.
    public func evaluate(path: String) throws(ScriptError) -> [UInt8] {
        let status = path.withCString { ferry_lua_eval_file(state, $0) }
        if status != FERRY_OK { throw scriptError(status, path: path) }
        return Array(output())
    }

    /// Runs a manifest file that returns a plain data table and returns it as a `JSONValue`.
    public func evaluateManifest(path: String) throws(ScriptError) -> JSONValue {
        let bytes = try evaluate(path: path)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ScriptError(kind: .encode, path: path, message: "\(error)")
        }
    }

    /// Decodes JSON onto the Lua stack and encodes it back (the bridge's fidelity, for tests).
    public func roundTrip(json: [UInt8]) throws(TransformError) -> [UInt8] {
        let status = json.withUnsafeBytes {
            ferry_lua_roundtrip(state, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count)
        }
        if status != FERRY_OK { throw transformError(status, documentID: nil, steps: []) }
        return Array(output())
    }

    // MARK: - Plumbing

    private func output() -> UnsafeRawBufferPointer {
        var length = 0
        let pointer = ferry_lua_output(state, &length)
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    private static func errorText(_ state: OpaquePointer) -> String {
        var length = 0
        let pointer = ferry_lua_error(state, &length)
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func scriptError(_ status: Int32, path: String) -> ScriptError {
        let kind: ScriptError.Kind =
            switch status {
            case FERRY_ERR_SYNTAX: .syntax
            case FERRY_ERR_FILE: .fileNotReadable
            case FERRY_ERR_BAD_RETURN: .badReturn
            case FERRY_ERR_ENCODE: .encode
            case FERRY_ERR_MEMORY: .memoryLimit
            case FERRY_ERR_TIME: .timeLimit
            case FERRY_ERR_USAGE: .engine
            default: .runtime
            }
        return ScriptError(kind: kind, path: path, message: Self.errorText(state))
    }

    private func transformError(_ status: Int32, documentID: String?, steps: [LoadedStep]) -> TransformError {
        let kind: TransformError.Kind =
            switch status {
            case FERRY_ERR_BAD_RETURN: .badReturnType
            case FERRY_ERR_DECODE: .decode
            case FERRY_ERR_ENCODE: .encode
            case FERRY_ERR_MEMORY: .memoryLimit
            case FERRY_ERR_TIME: .timeLimit
            default: .luaError
            }
        let index = Int(ferry_lua_failed_step(state))
        let step = steps.indices.contains(index) ? steps[index] : nil
        return TransformError(
            kind: kind, documentID: documentID, stepIndex: step == nil ? nil : index, step: step?.label,
            scriptPath: step?.scriptPath, message: Self.errorText(state))
    }
}

@inline(__always)
private func cChars(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar>? {
    UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self)
}
