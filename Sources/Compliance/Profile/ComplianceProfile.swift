import Foundation

/// What Compliance knows of who a player is (`compliance_profiles`), apart from the Telegram
/// profile Identity keeps: regulators ask for the legal name, the date of birth, the country of
/// residence and the address, which Telegram does not vouch for.
public struct ComplianceProfile: Sendable, Equatable {
    public var legalName: String?
    /// `YYYY-MM-DD`, a calendar date with no time zone.
    public var dateOfBirth: String?
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String?
    public var address: String?
    public var updatedAt: Date?

    public init(
        legalName: String? = nil, dateOfBirth: String? = nil, country: String? = nil, address: String? = nil, updatedAt: Date? = nil
    ) {
        self.legalName = legalName
        self.dateOfBirth = dateOfBirth
        self.country = country
        self.address = address
        self.updatedAt = updatedAt
    }

    /// Whether the field a requirement names is filled in.
    func has(_ requirement: KYCRequirement) -> Bool {
        switch requirement {
        case .legalName: legalName != nil
        case .dateOfBirth: dateOfBirth != nil
        case .country: country != nil
        case .address: address != nil
        default: false
        }
    }
}

/// The fields a player or staff member changes; nil leaves a field as it is.
public struct ProfileChanges: Sendable, Equatable {
    public var legalName: String?
    public var dateOfBirth: String?
    public var country: String?
    public var address: String?

    public init(legalName: String? = nil, dateOfBirth: String? = nil, country: String? = nil, address: String? = nil) {
        self.legalName = legalName
        self.dateOfBirth = dateOfBirth
        self.country = country
        self.address = address
    }
}

/// Why a profile change was refused, by field; nothing was written.
public enum ProfileProblem: Error, Sendable, Equatable {
    /// Empty after trimming, or longer than the field allows (name 200, address 500 characters).
    case badLength(field: KYCRequirement)
    /// A control or invisible formatting character (other than a line break in the address).
    case controlCharacters(field: KYCRequirement)
    /// A name with no letter in it.
    case nameWithoutLetters
    /// Not a real `YYYY-MM-DD` date between 1900-01-01 and today.
    case badDateOfBirth
    /// Not an ISO 3166-1 alpha-2 country code.
    case unknownCountry
    /// An approved level relies on the field: staff change it, the player cannot.
    case fieldVerified(field: KYCRequirement)
    /// An application is being reviewed: the fields it shows staff stay as they are until then.
    case underReview

    public var code: String {
        switch self {
        case .badLength: "profileBadLength"
        case .controlCharacters: "profileControlCharacters"
        case .nameWithoutLetters: "profileNameWithoutLetters"
        case .badDateOfBirth: "profileBadDateOfBirth"
        case .unknownCountry: "profileUnknownCountry"
        case .fieldVerified: "profileFieldVerified"
        case .underReview: "profileUnderReview"
        }
    }
}

/// The validation rules of the profile's fields, pure so they are tested without a database.
public enum ProfileValidation {
    public static let nameLimit = 200
    public static let addressLimit = 500

    public static func name(_ text: String) throws(ProfileProblem) -> String {
        let value = try checkedText(text, field: .legalName, limit: nameLimit, lineBreaks: false)
        guard value.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { throw .nameWithoutLetters }
        return value
    }

    public static func address(_ text: String) throws(ProfileProblem) -> String {
        try checkedText(text, field: .address, limit: addressLimit, lineBreaks: true)
    }

    public static func country(_ text: String) throws(ProfileProblem) -> String {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }), Self.countries.contains(code) else { throw .unknownCountry }
        return code
    }

    /// A real calendar date, not before 1900 and not after `today`.
    public static func dateOfBirth(_ text: String, today: Date) throws(ProfileProblem) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let parts = CalendarDate(trimmed), parts.year >= 1900, let date = parts.date, date <= today else { throw .badDateOfBirth }
        return trimmed
    }

    /// Whole years between the date of birth and `moment` (UTC calendar).
    public static func age(dateOfBirth: String, at moment: Date) -> Int? {
        guard let birth = CalendarDate(dateOfBirth), let now = CalendarDate(moment) else { return nil }
        var years = now.year - birth.year
        if (now.month, now.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    private static func checkedText(_ text: String, field: KYCRequirement, limit: Int, lineBreaks: Bool) throws(ProfileProblem) -> String {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, value.count <= limit, value.utf8.count <= limit * 4 else { throw .badLength(field: field) }
        for scalar in value.unicodeScalars {
            if lineBreaks, scalar == "\n" { continue }
            // Cc: C0/C1 controls (NUL, ESC, CR, …); Cf: invisible formatting, such as the bidi
            // overrides that make a name read differently from what it is.
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
                throw .controlCharacters(field: field)
            default: continue
            }
        }
        return value
    }

    /// ISO 3166-1 alpha-2 codes, as the platform's ICU knows them.
    static let countries: Set<String> = Set(
        Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) })
}

/// A `YYYY-MM-DD` date as numbers, in the proleptic Gregorian calendar at UTC.
struct CalendarDate {
    let year: Int
    let month: Int
    let day: Int

    init?(_ text: String) {
        guard let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})-([0-9]{2})/), let year = Int(match.1), let month = Int(match.2),
            let day = Int(match.3)
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
        // A date the calendar normalises into another (2026-02-30) is not a date.
        guard let date, CalendarDate(date) == self else { return nil }
    }

    init?(_ date: Date) {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    var date: Date? { Self.calendar.date(from: DateComponents(year: year, month: month, day: day)) }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension CalendarDate: Equatable {}
