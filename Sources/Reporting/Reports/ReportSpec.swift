import Foundation

/// What a report asks for (docs/reports.md): measures, dimensions, filters, a range of days in a
/// time zone, a grain for time, an order and a limit. Names are looked up in `SemanticModel`; an
/// unknown one is refused by name, never passed on.
public struct ReportSpec: Codable, Sendable, Equatable {
    public struct Filter: Codable, Sendable, Equatable {
        public let dimension: String
        public let values: [String]

        public init(dimension: String, values: [String]) {
            self.dimension = dimension
            self.values = values
        }
    }

    public struct Order: Codable, Sendable, Equatable {
        public let by: String
        public let descending: Bool

        public init(by: String, descending: Bool = false) {
            self.by = by
            self.descending = descending
        }
    }

    /// A calendar day, `YYYY-MM-DD`.
    public struct Day: Codable, Sendable, Equatable {
        public let text: String

        public init(_ text: String) { self.text = text }

        /// The UTC calendar day `date` falls on.
        public init(_ date: Date) {
            let parts = Calendar.utc.dateComponents([.year, .month, .day], from: date)
            text = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
    }

    public let measures: [String]
    public let dimensions: [String]
    public let filters: [Filter]
    /// First and last day, both included, in `timeZone`.
    public let from: Day
    public let to: Day
    /// `hour`, `day`, `week` or `month`: what the `time` dimension means.
    public let grain: String
    /// An IANA name (`Europe/Moscow`); UTC by default.
    public let timeZone: String
    public let order: [Order]
    public let limit: Int
    /// Money of every currency together, each movement valued in the pivot currency at its time.
    public let pivot: Bool

    public init(
        measures: [String], dimensions: [String] = [], filters: [Filter] = [], from: Day, to: Day, grain: String = "day",
        timeZone: String = "UTC", order: [Order] = [], limit: Int = 1_000, pivot: Bool = false
    ) {
        self.measures = measures
        self.dimensions = dimensions
        self.filters = filters
        self.from = from
        self.to = to
        self.grain = grain
        self.timeZone = timeZone
        self.order = order
        self.limit = limit
        self.pivot = pivot
    }

    /// Specs saved before `pivot` existed read as not in the pivot.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        measures = try container.decode([String].self, forKey: .measures)
        dimensions = try container.decode([String].self, forKey: .dimensions)
        filters = try container.decode([Filter].self, forKey: .filters)
        from = try container.decode(Day.self, forKey: .from)
        to = try container.decode(Day.self, forKey: .to)
        grain = try container.decode(String.self, forKey: .grain)
        timeZone = try container.decode(String.self, forKey: .timeZone)
        order = try container.decode([Order].self, forKey: .order)
        limit = try container.decode(Int.self, forKey: .limit)
        pivot = try container.decodeIfPresent(Bool.self, forKey: .pivot) ?? false
    }
}

/// Why a spec was refused; nothing ran. Each is a 4xx with its name.
public enum ReportRefusal: Error, Sendable, Equatable {
    case noMeasures
    case unknownMeasure(String)
    case unknownDimension(String)
    case unknownGrain(String)
    case unknownTimeZone(String)
    case invalidRange
    /// More time buckets than `SemanticModel.maxBuckets` (ten years by the hour, say).
    case rangeTooLarge
    case limitOutOfRange
    case tooManyFilterValues
    /// Empty, over 200 characters, or with control characters.
    case invalidFilterValue
    case invalidOrder(String)
    /// Money measures sum one currency: group by currency, filter one, or ask for the pivot.
    case currencyRequired
    /// A measure broken down or filtered by a dimension it has no value for (`new_players by
    /// provider`).
    case dimensionNotApplicable(String)

    public var code: String {
        switch self {
        case .noMeasures: "noMeasures"
        case .unknownMeasure: "unknownMeasure"
        case .unknownDimension: "unknownDimension"
        case .unknownGrain: "unknownGrain"
        case .unknownTimeZone: "unknownTimeZone"
        case .invalidRange: "invalidRange"
        case .rangeTooLarge: "rangeTooLarge"
        case .limitOutOfRange: "limitOutOfRange"
        case .tooManyFilterValues: "tooManyFilterValues"
        case .invalidFilterValue: "invalidFilterValue"
        case .invalidOrder: "invalidOrder"
        case .currencyRequired: "currencyRequired"
        case .dimensionNotApplicable: "dimensionNotApplicable"
        }
    }
}
