package import TidemarkCore

/// The documented JSON shape of a restore test (`backup test --output json`, a backup's
/// `lastTest`): every key present, `null` when absent — unlike the object stored in the
/// repository, which leaves null keys out as docs/FORMAT.md says.
package struct RestoreTestRepresentation: Encodable, Sendable {
    package var result: RestoreTestResult

    package init(_ result: RestoreTestResult) {
        self.result = result
    }

    private enum CodingKeys: String, CodingKey {
        case backupId, operationId, startedAt, finishedAt, passed, target, phases, bytesRestored, tablesChecked, mismatches, error
    }

    private enum MismatchKeys: String, CodingKey { case table, expectedRows, actualRows, expectedDigest, actualDigest, problem }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(result.backupID, forKey: .backupId)
        try container.encode(result.operationID, forKey: .operationId)
        try container.encode(result.startedAt, forKey: .startedAt)
        try container.encode(result.finishedAt, forKey: .finishedAt)
        try container.encode(result.passed, forKey: .passed)
        try container.encode(result.target, forKey: .target)
        try container.encode(result.phases, forKey: .phases)
        try container.encode(result.bytesRestored, forKey: .bytesRestored)
        try container.encode(result.tablesChecked, forKey: .tablesChecked)
        var mismatches = container.nestedUnkeyedContainer(forKey: .mismatches)
        for mismatch in result.mismatches {
            var item = mismatches.nestedContainer(keyedBy: MismatchKeys.self)
            try item.encode(mismatch.table, forKey: .table)
            try item.encode(mismatch.expectedRows, forKey: .expectedRows)
            try item.encode(mismatch.actualRows, forKey: .actualRows)
            try item.encode(mismatch.expectedDigest, forKey: .expectedDigest)
            try item.encode(mismatch.actualDigest, forKey: .actualDigest)
            try item.encode(mismatch.problem, forKey: .problem)
        }
        try container.encode(result.error, forKey: .error)
    }
}
