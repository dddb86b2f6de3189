import Foundation

/// A UTF-8 message (RFC 5322, MIME RFC 2045–2047, 2231): a text and an HTML body as
/// multipart/alternative, inside multipart/mixed with the attachment when there is one. Every
/// body is base64 in lines of 76 characters; the subject and a file name that is not plain ASCII
/// are encoded words (RFC 2047) in Content-Type's `name`, and an RFC 2231 `filename*`.
enum MIMEMessage {
    static func render(_ mail: OutgoingMail, from: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let alternative = "croupier-alt-\(UUID().uuidString)"
        let bodies =
            part(type: "text/plain; charset=utf-8", Array(mail.text.utf8), boundary: alternative)
            + part(type: "text/html; charset=utf-8", Array(mail.html.utf8), boundary: alternative) + "--\(alternative)--\r\n"
        var headers = [
            "From: \(from)", "To: \(mail.recipient)", "Subject: \(encodedWords(mail.subject))", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>", "MIME-Version: 1.0",
        ]
        guard let attachment = mail.attachment else {
            headers.append("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
            return headers.joined(separator: "\r\n") + "\r\n\r\n" + bodies
        }
        let mixed = "croupier-mix-\(UUID().uuidString)"
        headers.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
        let name = quotedName(attachment.name)
        // Parsers disagree on which of `filename` and `filename*` wins when both are given, so a
        // name that is not plain ASCII is given once, the RFC 2231 way; Content-Type's `name`
        // carries it as encoded words for clients that only read that.
        let disposition =
            attachment.name.allSatisfy(isPlain)
            ? "attachment; filename=\"\(attachment.name)\"" : "attachment; filename*=UTF-8''\(percentEncoded(attachment.name))"
        return headers.joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(mixed)\r\nContent-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n\(bodies)\r\n"
            + part(type: "\(attachment.contentType); name=\"\(name)\"", attachment.bytes, boundary: mixed, disposition: disposition)
            + "--\(mixed)--"
    }

    static func part(type: String, _ bytes: [UInt8], boundary: String, disposition: String? = nil) -> String {
        let encoded = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let dispositionLine = disposition.map { "Content-Disposition: \($0)\r\n" } ?? ""
        return "--\(boundary)\r\nContent-Type: \(type)\r\n\(dispositionLine)Content-Transfer-Encoding: base64\r\n\r\n\(encoded)\r\n"
    }

    /// RFC 2047 B-encoded words of at most 75 characters each, folded onto continuation lines;
    /// a character is never split between two words.
    static func encodedWords(_ text: String) -> String {
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes become 60 base64 characters, 72 with the word's delimiters.
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// The file name for Content-Type's `name`: itself when plain printable ASCII, encoded words otherwise.
    static func quotedName(_ name: String) -> String {
        name.allSatisfy(isPlain) ? name : encodedWords(name).replacingOccurrences(of: "\r\n ", with: " ")
    }

    /// RFC 2231's value: UTF-8 bytes, percent-encoded outside letters, digits and `-._~`.
    static func percentEncoded(_ name: String) -> String {
        name.utf8.map { byte in
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80,
                scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar)
            {
                return String(Character(scalar))
            }
            return String(format: "%%%02X", byte)
        }.joined()
    }

    static func isPlain(_ character: Character) -> Bool {
        character.isASCII && !character.isWhitespace && !"\"\\;=".contains(character) && (character.asciiValue ?? 0) > 0x20
            || character == " "
    }

    /// A line starting with "." gets another one, so it cannot end the DATA early.
    static func dotStuffed(_ message: String) -> String {
        message.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }
}
