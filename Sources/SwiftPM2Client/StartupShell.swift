/// Quoting for the printed commands.
public enum StartupShell {
    /// Ends the here-document of a unit file (never a line of one).
    static let hereDocumentEnd = "SWIFTPM2_UNIT"

    /// `word` as one shell word: as is when it holds only safe characters, else single-quoted.
    public static func quoted(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "@%+=:,./_-".unicodeScalars.contains($0)
        }
        if safe { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
