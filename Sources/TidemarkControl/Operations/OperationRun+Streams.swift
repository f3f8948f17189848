import TidemarkCore
import TidemarkRepository

extension OperationRun {
    /// Records what writing a stream has read and stored so far (`Repository.writeStream`'s
    /// progress callback, for backups).
    func streamProgress(read: Int64, stored: Int64) {
        progress {
            $0.bytesRead = read
            $0.bytesStored = stored
        }
    }

    /// The next chunk of `reader`, with the bytes read so far recorded (and saved when due, which
    /// also stops the work once the operation is cancelled); nil at the stream's end.
    func nextChunk(of reader: StreamReader) async throws -> [UInt8]? {
        let chunk = try await reader.nextChunk()
        progress { $0.bytesRead = reader.bytesRead }
        try await saveProgressIfDue()
        return chunk
    }
}
