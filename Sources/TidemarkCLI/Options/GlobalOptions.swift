import ArgumentParser
import Foundation

/// Output formats.
enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text
    case json
}

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory of the catalog and configuration (env TIDEMARK_HOME).", valueName: "dir"))
    var home: String?

    @Option(name: .long, help: ArgumentHelp("Output format: text or json (env TIDEMARK_OUTPUT_FORMAT).", valueName: "format"))
    var output: OutputFormat?

    /// `--home`, else `TIDEMARK_HOME`, else `./.tidemark`, made absolute.
    func resolvedHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let path = home ?? environment["TIDEMARK_HOME"] ?? ".tidemark"
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `--output`, else `TIDEMARK_OUTPUT_FORMAT`, else text.
    func resolvedFormat(environment: [String: String] = ProcessInfo.processInfo.environment) -> OutputFormat {
        output ?? environment["TIDEMARK_OUTPUT_FORMAT"].flatMap(OutputFormat.init(rawValue:)) ?? .text
    }
}
