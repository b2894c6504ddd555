/// Splits one string into arguments the way a POSIX shell would, without expansions.
///
/// Spaces, tabs and newlines separate words; `'...'` keeps everything literally; `"..."`
/// keeps everything but `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes escapes the
/// next character. No variables, globs or command substitution: `$HOME` stays `$HOME`.
enum ShellWords {
    static func split(_ text: String) throws(ValueProblem) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var chars = Array(text)[...]
        var offset = 0
        func next() -> Character? {
            guard let c = chars.popFirst() else { return nil }
            offset += 1
            return c
        }
        while let c = next() {
            switch c {
            case " ", "\t", "\n", "\r\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                let opened = offset
                while true {
                    guard let q = next() else {
                        throw ValueProblem("unterminated single quote (opened at character \(opened))", hint: "close it with '")
                    }
                    if q == "'" { break }
                    current.append(q)
                }
            case "\"":
                inWord = true
                let opened = offset
                while true {
                    guard let q = next() else {
                        throw ValueProblem("unterminated double quote (opened at character \(opened))", hint: "close it with \"")
                    }
                    if q == "\"" { break }
                    if q == "\\", let e = chars.first, "\"\\$`\n".contains(e) {
                        _ = next()
                        if e != "\n" { current.append(e) }
                        continue
                    }
                    current.append(q)
                }
            case "\\":
                guard let e = next() else {
                    throw ValueProblem("ends with a lone backslash", hint: "write \\\\ for a backslash")
                }
                if e == "\n" { continue }  // line continuation
                inWord = true
                current.append(e)
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
