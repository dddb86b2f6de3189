import AppAPI
import Foundation
import Reporting

extension Components.Schemas.ReportSpec {
    init(_ spec: ReportSpec) {
        self.init(
            measures: spec.measures, dimensions: spec.dimensions,
            filters: spec.filters.map { .init(dimension: $0.dimension, values: $0.values) },
            from: spec.from.text, to: spec.to.text, grain: spec.grain, timeZone: spec.timeZone,
            order: spec.order.map { .init(by: $0.by, descending: $0.descending) }, limit: spec.limit, pivot: spec.pivot)
    }
}

extension Components.Schemas.SavedReport {
    init(_ report: SavedReport, schedule: ReportSchedules.Entry?) {
        self.init(
            id: String(report.id), name: report.name, owner: "staff:\(report.owner)", spec: .init(report.spec),
            relativeRange: report.relativeRange.flatMap { .init(rawValue: $0.rawValue) }, version: report.version,
            createdAt: report.createdAt, updatedAt: report.updatedAt, schedule: schedule.map(Components.Schemas.ReportScheduleView.init))
    }
}

extension Components.Schemas.ReportScheduleView {
    init(_ entry: ReportSchedules.Entry) {
        let schedule = entry.schedule
        self.init(
            cadence: .init(rawValue: schedule.cadence.rawValue) ?? .daily, weekday: schedule.weekday, hour: schedule.hour,
            timeZone: schedule.timeZone, format: .init(rawValue: schedule.format.rawValue) ?? .csv, recipients: schedule.recipients,
            language: .init(rawValue: schedule.language) ?? .en, nextDueAt: entry.nextDueAt,
            lastRun: entry.lastRun.map {
                .init(
                    dueAt: $0.dueAt, ranAt: $0.ranAt, outcome: .init(rawValue: $0.outcome.rawValue) ?? .failed, rows: $0.rows,
                    detail: $0.detail)
            })
    }
}
