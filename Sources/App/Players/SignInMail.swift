import Identity

/// The sign-in code mail in the player's language, with a plain-text part. Values are
/// HTML-escaped in the HTML part.
struct SignInMail: SignInMailComposer {
    let localization: Localization

    func codeMail(to email: String, code: String, link: String, language: String) -> OutgoingMail {
        func text(_ key: String) -> String { localization.string("mail.code.\(key)", in: language) }
        let plain =
            "\(text("greeting"))\n\n\(text("codeIs")) \(code)\n\n\(text("orLink"))\n\(link)\n\n\(text("expires"))\n\(text("ignore"))\n"
        let html = """
            <p>\(Self.escape(text("greeting")))</p>
            <p>\(Self.escape(text("codeIs"))) <strong style="font-size:20px;letter-spacing:2px">\(code)</strong></p>
            <p><a href="\(Self.escape(link))">\(Self.escape(text("button")))</a></p>
            <p>\(Self.escape(text("expires")))<br>\(Self.escape(text("ignore")))</p>
            """
        return OutgoingMail(recipient: email, subject: text("subject"), text: plain, html: html)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
