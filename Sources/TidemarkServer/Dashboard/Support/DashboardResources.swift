import Foundation
import Mustache
import TidemarkCore

/// The dashboard's templates and static files, read once at start-up from the resource bundle
/// SwiftPM builds next to the executable (`tidemark_TidemarkServer.resources`).
struct DashboardResources: Sendable {
    let library: MustacheLibrary
    /// File name (`app.css`) → contents.
    let assets: [String: [UInt8]]

    static let bundleName = "tidemark_TidemarkServer.resources"

    /// Loads from `directory`, or from the bundle beside the running executable.
    /// - Throws: `TidemarkError` `dashboard-files-missing` naming where it looked.
    static func load(from directory: URL? = nil) throws -> DashboardResources {
        let candidates = directory.map { [$0] } ?? searchPaths()
        guard let root = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Templates").path) }) else {
            throw TidemarkError(
                code: "dashboard-files-missing",
                message: "the dashboard templates were not found (looked in \(candidates.map(\.path).joined(separator: ", ")))",
                hint: "Keep the \(bundleName) directory from the build next to the tidemark executable.",
                category: .internal
            )
        }
        var templates: [String: MustacheTemplate] = [:]
        let templateDirectory = root.appendingPathComponent("Templates")
        for file in try FileManager.default.contentsOfDirectory(atPath: templateDirectory.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templateDirectory.appendingPathComponent(file), encoding: .utf8)
            templates[String(file.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
        }
        let library = MustacheLibrary(templates: templates)
        var assets: [String: [UInt8]] = [:]
        let assetDirectory = root.appendingPathComponent("Assets")
        for name in try FileManager.default.contentsOfDirectory(atPath: assetDirectory.path) {
            let data = try Data(contentsOf: assetDirectory.appendingPathComponent(name))
            assets[name] = [UInt8](data)
        }
        return DashboardResources(library: library, assets: assets)
    }

    private static func searchPaths() -> [URL] {
        var paths: [URL] = []
        if let executable = Bundle.main.executableURL {
            paths.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        paths.append(Bundle.main.bundleURL.appendingPathComponent(bundleName))
        if let resources = Bundle.main.resourceURL {
            paths.append(resources.appendingPathComponent(bundleName))
        }
        return paths
    }
}
