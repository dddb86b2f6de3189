import Identity

/// The mail that carries a step-up code (a withdrawal's confirmation) in the player's language,
/// with a plain-text part. There is no link: the code is typed where the action was asked for.
struct StepUpMail: StepUpMailComposer {
    let localization: Localization

    func stepUpMail(to email: String, code: String, purpose: String, language: String) -> OutgoingMail {
        func text(_ key: String) -> String { localization.string("mail.stepUp.\(key)", in: language) }
        let action = text("purposes.\(purpose)")
        let plain = "\(text("greeting"))\n\n\(action)\n\n\(text("codeIs")) \(code)\n\n\(text("expires"))\n\(text("notYou"))\n"
        let html = """
            <p>\(SignInMail.escape(text("greeting")))</p>
            <p>\(SignInMail.escape(action))</p>
            <p>\(SignInMail.escape(text("codeIs"))) <strong style="font-size:20px;letter-spacing:2px">\(code)</strong></p>
            <p>\(SignInMail.escape(text("expires")))<br>\(SignInMail.escape(text("notYou")))</p>
            """
        return OutgoingMail(recipient: email, subject: text("subject"), text: plain, html: html)
    }
}
