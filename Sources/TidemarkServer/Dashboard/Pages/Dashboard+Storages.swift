import Foundation
import Hummingbird
import TidemarkControl
import TidemarkCore

extension Dashboard {
    /// Storages: the list, and the add/edit form whose Save stays disabled until a connection
    /// test of exactly the values in the form passed (SPEC §2.3).
    func addStorageRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("/storages") { request, context in
            let storages = try await control.storages.list().map { storage -> [String: Any] in
                ["name": storage.name, "path": Self.path(storage.name), "kind": storage.settings.kind, "location": storage.settings.location, "created": time(storage.createdAt) as Any]
            }
            return page("storages", title: "Storages", context: context, data: ["storages": storages, "hasStorages": !storages.isEmpty, "notice": Self.notice(request) as Any])
        }
        group.get("/storages/new") { _, context in
            try Self.requireAdmin(context)
            return storageForm(StorageForm(), editing: false, context: context)
        }
        group.get("/storages/{name}/edit") { _, context in
            try Self.requireAdmin(context)
            let record = try await control.storages.get(named: try context.parameters.require("name"))
            return storageForm(StorageForm(record), editing: true, context: context)
        }
        // The Test connection button: JSON for the page's script, or the form again (no script).
        group.post("/storages/test") { request, context in
            try Self.requireAdmin(context)
            let form = StorageForm(context.form)
            let editing = context.form["editing"] == "true"
            let outcome = await test(form, editing: editing, context: context)
            if request.headers[.accept]?.contains("application/json") == true {
                return try Self.json(outcome)
            }
            return storageForm(form, editing: editing, context: context, test: outcome)
        }
        group.post("/storages/save") { _, context in
            try Self.requireAdmin(context)
            let form = StorageForm(context.form)
            let editing = context.form["editing"] == "true"
            guard let session = context.session, let proof = context.form["testProof"],
                  DashboardSessionMiddleware.constantTimeEquals(proof, form.proof(key: proofKey, session: session.id)) else {
                let outcome = TestOutcome(state: "idle", message: "Test the connection with these values before saving: a field changed since the last passing test, or none ran.", category: nil, hint: nil, proof: nil)
                return storageForm(form, editing: editing, context: context, test: outcome, status: .conflict)
            }
            do {
                let (settings, secret) = try form.settings()
                if editing {
                    let existing = try await control.storages.get(named: form.name)
                    _ = try await control.storages.update(name: form.name, settings: settings, secret: secret ?? existing.secretAccessKey)
                } else {
                    _ = try await control.storages.add(name: form.name, settings: settings, secret: secret)
                }
            } catch let error as any UserFacingError {
                let outcome = TestOutcome(state: "failed", message: error.message, category: error.code, hint: error.hint, proof: nil)
                return storageForm(form, editing: editing, context: context, test: outcome, status: APIError.status(for: error.category))
            }
            return Self.redirect("/ui/storages?notice=storage-saved")
        }
    }

    private func test(_ form: StorageForm, editing: Bool, context: APIRequestContext) async -> TestOutcome {
        do {
            let (settings, secret) = try form.settings()
            let report = try await control.storages.testSettings(settings, secret: secret, existing: editing ? form.name : nil)
            if let failure = report.failure {
                return TestOutcome(state: "failed", message: failure.message, category: failure.category, hint: failure.hint, proof: nil)
            }
            let proof = context.session.map { form.proof(key: proofKey, session: $0.id) }
            return TestOutcome(state: "passed", message: "Connection to \(report.location) works: \(report.steps.map(\.operation).joined(separator: ", ")) passed.", category: nil, hint: nil, proof: proof)
        } catch let error as any UserFacingError {
            return TestOutcome(state: "failed", message: error.message, category: error.code, hint: error.hint, proof: nil)
        } catch {
            return TestOutcome(state: "failed", message: "the test could not run", category: "internal-error", hint: "The server log has the details.", proof: nil)
        }
    }

    private func storageForm(_ form: StorageForm, editing: Bool, context: APIRequestContext, test: TestOutcome? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var data = form.data(editing: editing)
        let outcome = test ?? TestOutcome(state: "idle", message: "Not tested yet. Test the connection to enable Save.", category: nil, hint: nil, proof: nil)
        data["test"] = [
            "state": outcome.state, "stateWord": Self.statusWord(outcome.state), "message": outcome.message,
            "category": outcome.category as Any, "hint": outcome.hint as Any, "proof": outcome.proof as Any,
            "passed": outcome.state == "passed",
        ] as [String: Any]
        return page("storage-form", title: editing ? "Edit storage \(form.name)" : "Add a storage", context: context, data: data, status: status)
    }
}

/// A connection test as the storage form shows it: Idle / Testing (in the page) / Passed /
/// Failed, with the failure category and its hint.
struct TestOutcome: Encodable {
    var state: String
    var message: String
    var category: String?
    var hint: String?
    /// Present when the test passed: what Save must send back.
    var proof: String?
}
