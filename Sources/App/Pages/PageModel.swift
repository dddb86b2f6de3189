import Mustache

/// A page's data as a typed value. Templates read its stored properties by name, so a
/// template key and a property cannot drift apart without the page tests seeing it.
protocol PageModel {}

/// A page that shows only what every page shares.
struct NoPageData: PageModel {}

/// What a template sees: the page's models in order (the page's own first, then its frame: the
/// console's sidebar or the player's header, then what every page shares); the first that has a
/// property of the name answers.
struct PageContext: MustacheParent {
    let models: [any PageModel]

    func child(named name: String) -> Any? {
        for model in models {
            if let value = Mirror(reflecting: model).children.first(where: { $0.label == name })?.value {
                return Self.unwrapped(value)
            }
        }
        return nil
    }

    /// A property that is an Optional reads as its value, or as missing when nil.
    private static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// What every page shares: language and theme, the strings, the request id, the CSRF token,
/// the language switch and the environment badge.
struct SharedPageFields: PageModel {
    struct LanguageLink {
        let code: String
        let label: String
        let current: Bool
        let href: String
    }

    struct EnvironmentBadge {
        let badge: String
        let kind: String
    }

    let lang: String
    let theme: String
    /// The locale's strings, as nested tables: `{{t.lobby.title}}`.
    let t: [String: Any]
    let title: String
    let requestID: String
    let csrfToken: String
    let path: String
    let languages: [LanguageLink]
    let environment: EnvironmentBadge?
}
