import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// The restore dialog: a new name (checked on the server as it is typed), the scope and
    /// the skip options; submitting queues the restore and opens its operation page.
    func addRestoreRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/backups/{id}/restore") { request, context in
            let backup = try await control.backups.get(id: try context.parameters.require("id"))
            let table = request.uri.queryParameters["table"].map(String.init)
            var values = RestoreFormValues(newName: "", scope: table == nil ? "all" : "table", table: table ?? "")
            values.newName = await defaultTarget(of: backup)
            return try await restoreForm(backup, values: values, context: context)
        }
        group.get("/backups/{id}/restore/check") { request, context in
            let id = try context.parameters.require("id")
            let name = request.uri.queryParameters["name"].map(String.init) ?? ""
            do {
                let backup = try await control.restores.checkTarget(backupID: id, newName: name)
                let free = switch (backup.method, try? control.databases.capabilities(of: backup.engine).location) {
                case (.physical, _): "\(name) is free for a new managed instance."
                case (_, .file): "\(name) does not exist yet; the restore creates it."
                default: "\(name) is free on the server."
                }
                return try Self.json(NameCheck(available: true, message: free))
            } catch let error as any UserFacingError {
                return try Self.json(NameCheck(available: false, message: error.message, hint: error.hint))
            }
        }
        group.post("/backups/{id}/restore") { _, context in
            try Self.requireAdmin(context)
            let backup = try await control.backups.get(id: try context.parameters.require("id"))
            let form = context.form
            let values = RestoreFormValues(
                newName: form["newName"] ?? "", scope: form["scope"] ?? "all", table: form["table"] ?? "",
                skipForeignKeys: form.isChecked("skipMissingForeignKeys"), skipSequences: form.isChecked("skipMissingSequences"),
                skipViews: form.isChecked("skipMissingViews"), recover: form["recover"] ?? "end", at: form["at"] ?? ""
            )
            do {
                if values.scope == "table" && values.table.isEmpty {
                    throw ControlError(.invalidTable, "choose the table to restore", hint: "Pick one from the list, or restore the whole backup.")
                }
                let request = RestoreRequest(
                    backupID: backup.id, newName: values.newName,
                    table: values.scope == "table" ? values.table : nil,
                    options: RestoreOptions(skipMissingForeignKeys: values.skipForeignKeys, skipMissingSequences: values.skipSequences, skipMissingViews: values.skipViews),
                    pointInTime: try values.pointInTime()
                )
                let operation = try await control.restores.enqueue(request)
                return Self.redirect("/ui/operations/\(operation.id)")
            } catch let error as any UserFacingError {
                return try await restoreForm(backup, values: values, context: context, error: error)
            }
        }
    }

    private func restoreForm(_ backup: BackupRecord, values: RestoreFormValues, context: APIRequestContext, error: (any UserFacingError)? = nil) async throws -> Response {
        guard backup.status == .completed else {
            throw ControlError(.backupNotRestorable, "backup \(backup.id) is \(backup.status.rawValue), not completed", hint: "Only completed backups can be restored; pick one from the Backups tab.")
        }
        let tables = backup.databases.flatMap { database in
            database.tables.map { ["name": $0.qualifiedName, "selected": $0.qualifiedName == values.table, "rows": $0.rows] as [String: Any] }
        }
        var data = backupRow(backup, expiresAt: nil)
        data["form"] = [
            "newName": values.newName, "scopeAll": values.scope == "all", "scopeDatabase": values.scope == "database",
            "scopeTable": values.scope == "table", "skipForeignKeys": values.skipForeignKeys,
            "skipSequences": values.skipSequences, "skipViews": values.skipViews,
        ] as [String: Any]
        data["tables"] = tables
        data["hasTables"] = !tables.isEmpty
        data["sourceDatabases"] = backup.databases.map(\.name).joined(separator: ", ")
        // A physical backup restores as a whole into a new managed instance; a file engine's
        // backup into a new file, also as a whole.
        let capabilities = try? control.databases.capabilities(of: backup.engine)
        data["physical"] = backup.method == .physical
        data["file"] = backup.method != .physical && capabilities?.location == .file
        data["partial"] = backup.method != .physical && capabilities?.tableRestore == true
        if backup.method == .physical {
            data["tables"] = []
            data["hasTables"] = false
            // Point in time: the database's recovery window, a UTC picker limited to it.
            let window = ((try? await control.walArchive.window(database: backup.database)) ?? []).filter { $0.latest >= (backup.finishedAt ?? backup.startedAt) }
            if !window.isEmpty, let first = window.first, let last = window.last {
                data["recovery"] = [
                    "ranges": window.map { ["earliest": HumanFormat.timestamp($0.earliest), "latest": HumanFormat.timestamp($0.latest), "timeline": Int($0.timeline)] as [String: Any] },
                    "min": Self.pickerValue(first.earliest), "max": Self.pickerValue(last.latest),
                    "at": values.at.isEmpty ? Self.pickerValue(last.latest) : values.at,
                    "end": values.recover == "end", "time": values.recover == "time", "latest": values.recover == "latest",
                ] as [String: Any]
            }
        }
        if let error { data["error"] = ["message": error.message, "hint": error.hint ?? "", "code": error.code] }
        let status: HTTPResponse.Status = error.map { APIError.status(for: $0.category) } ?? .ok
        return page("restore", title: "Restore backup \(backup.id)", context: context, data: data, status: status)
    }

    /// The name the dialog suggests: `<database>_restored`, or for a file `<name>-restored.<ext>`
    /// beside the source file.
    private func defaultTarget(of backup: BackupRecord) async -> String {
        guard let source = try? await control.databases.get(named: backup.database), case .file(let path) = source.connection.location else {
            return "\(backup.database)_restored"
        }
        let file = path as NSString
        let stem = (file.lastPathComponent as NSString).deletingPathExtension
        let ext = file.pathExtension
        return file.deletingLastPathComponent + "/\(stem)-restored" + (ext.isEmpty ? "" : ".\(ext)")
    }

    /// `2026-12-01T10:42:00`: a `datetime-local` value, read as UTC.
    static func pickerValue(_ date: Date) -> String {
        String(HumanFormat.timestamp(date).dropLast())
    }
}

/// What the restore dialog holds, kept when it is shown again with an error.
private struct RestoreFormValues {
    var newName: String
    /// `all`, `database` (the backup's one database: everything) or `table`.
    var scope: String
    var table: String
    var skipForeignKeys = false
    var skipSequences = false
    var skipViews = false
    /// Physical backups of archiving databases: `end` (the backup itself), `time` or `latest`.
    var recover = "end"
    /// The picker's value (UTC, no zone).
    var at = ""

    func pointInTime() throws -> RestorePoint? {
        switch recover {
        case "latest": return .latest
        case "time":
            let text = at.count == 16 ? at + ":00" : at
            return try RestorePoint(parsing: text.hasSuffix("Z") ? text : text + "Z")
        default: return nil
        }
    }
}

/// The answer to the dialog's name check.
private struct NameCheck: Encodable {
    var available: Bool
    var message: String
    var hint: String?
}
