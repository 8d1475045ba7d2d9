import CCurl
import CLua
import CSQLite

/// Ferry's version and the versions of the C libraries it runs with, for `ferry --version`,
/// the run report and `status --save-evidence`. Library versions are read from the linked
/// libraries at run time (Lua's release number from its headers).
public enum FerryVersion {
    public static let number = "0.1.0"

    /// "5.4.6": major and minor from the linked liblua (`lua_version`), the release from its
    /// headers (liblua exports no release string Swift can read).
    public static let lua: String = {
        let linked = Int(lua_version(nil))   // 504
        return "\(linked / 100).\(linked % 100).\(LUA_VERSION_RELEASE)"
    }()

    /// "8.5.0", from the linked libcurl.
    public static let curl: String = {
        let full = String(cString: curl_version())   // "libcurl/8.5.0 OpenSSL/3.0.13 ..."
        let first = full.split(separator: " ").first ?? ""
        return first.split(separator: "/").last.map(String.init) ?? full
    }()

    /// "3.45.1", from the linked libsqlite3.
    public static let sqlite = String(cString: sqlite3_libversion())

    /// "ferry 0.1.0 (Lua 5.4.6, libcurl 8.5.0, SQLite 3.45.1)"
    public static var description: String {
        "ferry \(number) (Lua \(lua), libcurl \(curl), SQLite \(sqlite))"
    }

    /// The same as an object, for JSON reports.
    public static var json: JSONValue {
        ["ferry": .string(number), "lua": .string(lua), "libcurl": .string(curl), "sqlite": .string(sqlite)]
    }
}
