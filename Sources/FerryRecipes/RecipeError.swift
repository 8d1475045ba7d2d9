import FerryCore

/// A problem with a recipe, naming the file (and line, when Lua knows it).
public struct RecipeError: UserFacingError {
    public let description: String
    public let hint: String?

    public init(_ description: String, hint: String? = nil) {
        self.description = description
        self.hint = hint
    }
}
