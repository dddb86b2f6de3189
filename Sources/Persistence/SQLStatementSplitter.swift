/// Splits a migration file into statements at top-level `;`. PostgresNIO speaks only the
/// extended query protocol (one statement per message) and ClickHouse 18.16 takes one
/// statement per request, so both runners need this. Semicolons inside quotes, quoted
/// identifiers, dollar-quoted bodies and comments do not split; comments are dropped.
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }

        while index < characters.count {
            let c = characters[index]
            switch c {
            case "-" where peek(1) == "-":
                while index < characters.count, characters[index] != "\n" { index += 1 }
            case "/" where peek(1) == "*":
                index += 2
                while index < characters.count, !(characters[index] == "*" && peek(1) == "/") { index += 1 }
                index += 2
            case "'", "\"":
                current.append(c)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == c {
                        if peek(1) == c {  // doubled quote is an escaped quote
                            current.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
            case "$":
                if let tag = dollarTag(characters, at: index) {
                    current.append(contentsOf: tag)
                    index += tag.count
                    while index < characters.count {
                        if characters[index] == "$", dollarTag(characters, at: index) == tag {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        current.append(characters[index])
                        index += 1
                    }
                } else {
                    current.append(c)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(c)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$name$` starting at `start`.
    private static func dollarTag(_ characters: [Unicode.Scalar], at start: Int) -> [Unicode.Scalar]? {
        var end = start + 1
        while end < characters.count {
            let c = characters[end]
            if c == "$" { return Array(characters[start...end]) }
            guard c == "_" || c.properties.isAlphabetic || (end > start + 1 && ("0"..."9").contains(c)) else { return nil }
            end += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
