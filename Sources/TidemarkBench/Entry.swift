import Foundation
import TidemarkCore
import TidemarkStorage

#if canImport(Glibc)
    import Glibc
#endif

/// `tidemark-bench`: our S3 client moving one file, for `bench/s3.sh` to time against
/// `aws s3 cp` on the same endpoint. Not shipped to users; a composition root of its own.
///
///     tidemark-bench s3-put FILE KEY
///     tidemark-bench s3-get KEY FILE
///     tidemark-bench scheduler-fill DIR [DATABASES] / scheduler DIR [DATABASES]   (see `SchedulerBench`)
///     tidemark-bench api-fill HOME [BACKUPS]   (see `APIBench`)
///
/// Settings come from the environment: BENCH_S3_ENDPOINT, BENCH_S3_BUCKET, AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, and optionally BENCH_S3_PART_MIB and BENCH_S3_CONCURRENCY.
@main
struct BenchEntry {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        if arguments.first == "api-fill", arguments.count >= 2 {
            do {
                try await APIBench.fill(home: arguments[1], backups: arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000)
            } catch {
                FileHandle.standardError.write(Data("tidemark-bench: \(error)\n".utf8))
                exit(1)
            }
            return
        }
        if let command = arguments.first, ["scheduler", "scheduler-fill"].contains(command), arguments.count >= 2 {
            let count = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
            do {
                if command == "scheduler-fill" {
                    try await SchedulerBench.fill(directory: arguments[1], databases: count)
                } else {
                    try await SchedulerBench.run(directory: arguments[1], databases: count)
                }
            } catch {
                FileHandle.standardError.write(Data("tidemark-bench: \(error)\n".utf8))
                exit(1)
            }
            return
        }
        guard arguments.count == 3, ["s3-put", "s3-get"].contains(arguments[0]),
            let endpoint = environment["BENCH_S3_ENDPOINT"], let bucket = environment["BENCH_S3_BUCKET"]
        else {
            FileHandle.standardError.write(Data("usage: tidemark-bench s3-put FILE KEY | s3-get KEY FILE (with BENCH_S3_ENDPOINT, BENCH_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)\n".utf8))
            exit(2)
        }
        do {
            try await withS3HTTPClient { http in
                let settings = S3StorageSettings(
                    endpoint: endpoint, bucket: bucket, prefix: "", region: environment["AWS_DEFAULT_REGION"] ?? "us-east-1",
                    pathStyle: true, accessKeyID: environment["AWS_ACCESS_KEY_ID"] ?? "bench"
                )
                var store = try S3ObjectStore(settings: settings, secretAccessKey: Secret(environment["AWS_SECRET_ACCESS_KEY"] ?? "bench"), http: http)
                if let part = environment["BENCH_S3_PART_MIB"].flatMap(Int.init) { store.partSize = part << 20 }
                if let concurrency = environment["BENCH_S3_CONCURRENCY"].flatMap(Int.init) { store.partConcurrency = concurrency }
                if arguments[0] == "s3-put" {
                    try await store.upload(file: arguments[1], to: arguments[2])
                } else {
                    try await store.download(arguments[1], to: arguments[2])
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }
}
