import Crypto
import Foundation
import FerryCore

extension Recipe {
    /// SHA-256 over everything a migration's result depends on: the manifest, every mapping,
    /// every step script, the lookup data and the shared modules. A journal that recorded a
    /// different fingerprint must not be resumed silently.
    public func fingerprint() throws(RecipeError) -> String {
        var files = ["\(folder)/recipe.lua"]
        files += versions.map { mappingPath(for: $0) }
        files += steps.compactMap(\.script)
        files += lookups.map(\.source.path)
        let fm = FileManager.default
        if let shared = fm.enumerator(atPath: transformsFolder) {
            for case let relative as String in shared where relative.hasSuffix(".lua") {
                files.append("\(transformsFolder)/\(relative)")
            }
        }
        var hasher = SHA256()
        for file in Set(files).sorted() {
            guard let data = fm.contents(atPath: file) else {
                throw RecipeError("\(file): cannot be read")
            }
            hasher.update(data: Array(file.utf8) + [0])
            hasher.update(data: withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) })
            hasher.update(data: data)
        }
        return hasher.finalize().hexString
    }
}
