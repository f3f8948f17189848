import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// The Operations list and an operation's page with its live log tail: the page polls
    /// `/state` once a second while the operation runs, and refreshes itself without scripts.
    func addOperationRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/operations") { request, context in
            let status = request.uri.queryParameters["status"].flatMap { OperationStatus(rawValue: String($0)) }
            let cursor = request.uri.queryParameters["after"].flatMap { ListCursor(token: String($0)) }
            let page = try await control.operations.page(status: status, limit: 50, after: cursor)
            let filters = [("", "All")] + OperationStatus.allCases.map { ($0.rawValue, Self.statusWord($0.rawValue)) }
            return self.page("operations", title: "Operations", context: context, data: [
                "operations": page.items.map(operationRow), "hasOperations": !page.items.isEmpty,
                "nextCursor": page.next?.token as Any, "statusQuery": status?.rawValue ?? "",
                "filters": filters.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (status?.rawValue ?? "")] as [String: Any] },
                "notice": Self.notice(request) as Any,
            ])
        }
        group.get("/operations/{id}") { request, context in
            let operation = try await control.operations.get(id: try context.parameters.require("id"))
            let lines = try await control.operations.logs(id: operation.id)
            var data = operationRow(operation)
            data["lines"] = lines.suffix(Self.tailLength).map(LogLineState.init)
            data["lastSequence"] = lines.last?.sequence ?? 0
            data["notice"] = Self.notice(request) as Any
            return page("operation", title: "Operation \(operation.id)", context: context, data: data)
        }
        group.get("/operations/{id}/state") { request, context in
            let operation = try await control.operations.get(id: try context.parameters.require("id"))
            let after = request.uri.queryParameters["after"].flatMap { Int(String($0)) } ?? 0
            let lines = try await control.operations.logs(id: operation.id, afterSequence: after)
            return try Self.json(OperationState(operation, lines: lines.suffix(Self.tailLength).map(LogLineState.init)))
        }
        group.post("/operations/{id}/cancel") { _, context in
            try Self.requireAdmin(context)
            let operation = try await control.operations.cancel(id: try context.parameters.require("id"))
            return Self.redirect("/ui/operations/\(operation.id)?notice=cancel-requested")
        }
        group.post("/operations/{id}/retry") { _, context in
            try Self.requireAdmin(context)
            let operation = try await control.operations.retry(id: try context.parameters.require("id"))
            return Self.redirect("/ui/operations/\(operation.id)?notice=retried")
        }
    }

    /// Log lines an operation page shows (and keeps while it follows).
    static let tailLength = 200

    /// An operation as the list and its page show it; the live fields come from the same
    /// `OperationState` the page's script polls, so both read alike.
    func operationRow(_ operation: OperationRecord) -> [String: Any] {
        let state = OperationState(operation, lines: [])
        return [
            "id": operation.id, "kind": operation.kind.rawValue, "status": state.status,
            "statusClass": state.statusClass, "step": state.step,
            "attempt": state.attempt, "maxAttempts": state.maxAttempts, "retryable": state.retryable,
            "summary": operation.summary, "database": operation.database as Any, "databasePath": operation.database.map(Self.path) as Any,
            "backupID": operation.backupID as Any, "created": time(operation.createdAt) as Any,
            "started": time(operation.startedAt) as Any, "finished": time(operation.finishedAt) as Any,
            "isFinished": state.finished, "canCancel": !state.finished,
            "canRetry": operation.status == .failed,
            "error": operation.lastError.map { ["code": $0.code, "message": $0.message, "hint": $0.hint ?? ""] } as Any,
            "progressText": state.progressText, "percent": state.percent.map(String.init) as Any,
            // The backup id already has its own row, with a link.
            "result": operation.result.filter { $0.key != "backupId" }.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
        ]
    }

    /// "1.2 GiB of 3.0 GiB read, 4 of 12 tables" and a percentage when the total is known.
    static func progress(_ progress: OperationProgress) -> (text: String, percent: Int?) {
        var parts: [String] = []
        if let total = progress.bytesTotal, total > 0 {
            parts.append("\(HumanFormat.bytes(progress.bytesRead)) of \(HumanFormat.bytes(total)) read")
        } else if progress.bytesRead > 0 {
            parts.append("\(HumanFormat.bytes(progress.bytesRead)) read")
        }
        if progress.bytesStored > 0 { parts.append("\(HumanFormat.bytes(progress.bytesStored)) stored") }
        // Restores know the table count but not per-table progress: show it only when counted.
        if let tables = progress.tablesTotal, progress.tablesDone > 0 { parts.append("\(progress.tablesDone) of \(tables) tables") }
        let percent = progress.bytesTotal.flatMap { $0 > 0 ? Int(min(100, progress.bytesRead * 100 / $0)) : nil }
        return (parts.isEmpty ? "no data moved yet" : parts.joined(separator: ", "), percent)
    }
}

/// What an operation page's script polls for.
private struct OperationState: Encodable {
    var status: String
    var statusClass: String
    var step: String
    var attempt: Int
    var maxAttempts: Int
    var retryable: String
    var finished: Bool
    var progressText: String
    var percent: Int?
    var error: ErrorInfo?
    var lines: [LogLineState]

    init(_ operation: OperationRecord, lines: [LogLineState]) {
        status = Dashboard.statusWord(operation.status.rawValue)
        statusClass = operation.status.rawValue
        step = operation.step.isEmpty ? "—" : operation.step
        attempt = operation.attempt
        maxAttempts = operation.maxAttempts
        retryable = operation.isRetryable ? "yes" : "no"
        finished = operation.isFinished
        (progressText, percent) = Dashboard.progress(operation.progress)
        if operation.status == .completed { percent = 100 }
        error = operation.lastError
        self.lines = lines
    }
}

private struct LogLineState: Encodable {
    var sequence: Int
    var time: String
    var level: String
    var message: String

    init(_ line: OperationLogLine) {
        sequence = line.sequence
        time = HumanFormat.timestamp(line.time)
        level = line.level
        message = line.message
    }
}
