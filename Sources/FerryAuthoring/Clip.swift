/// Cutting long text for messages and diffs.

/// Cuts `text` to `limit` characters (grapheme clusters, so no emoji is split), marking the cut.
func clip(_ text: String, _ limit: Int) -> String {
    guard limit > 0, text.count > limit else { return text }
    return String(text.prefix(max(limit - 1, 1))) + "…"
}
