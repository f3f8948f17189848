import Foundation
import Testing
import TidemarkEngines
import TidemarkTesting

/// The quote-aware counter on dumps shaped like `mariadb-dump` 10.11's, including what breaks
/// naive counters: quotes, backslashes, `(),;` in strings, hex blobs, trigger bodies that insert.
@Suite struct MariaDBDumpScannerTests {
    static let dump = """
        -- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
        /*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

        --
        -- Table structure for table `customers`
        --

        DROP TABLE IF EXISTS `customers`;
        CREATE TABLE `customers` (
          `id` int(11) NOT NULL AUTO_INCREMENT,
          `name` varchar(100) DEFAULT NULL,
          PRIMARY KEY (`id`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

        --
        -- Dumping data for table `customers`
        --

        LOCK TABLES `customers` WRITE;
        INSERT INTO `customers` VALUES (1,'O\\'Brien (the \\"first\\"), ; ok'),
        (2,'it''s (two)'),
        (3,NULL);
        INSERT INTO `customers` VALUES (4,'back\\\\slash'),(5,'emoji 🐘, (x);');
        UNLOCK TABLES;

        --
        -- Table structure for table `or``ders`
        --

        DROP TABLE IF EXISTS `or``ders`;
        CREATE TABLE `or``ders` (
          `id` int(11) NOT NULL,
          `customer_id` int(11) DEFAULT NULL,
          `blob` blob,
          PRIMARY KEY (`id`),
          CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

        LOCK TABLES `or``ders` WRITE;
        INSERT INTO `or``ders` VALUES (1,1,0x28293B27),(2,2,NULL);
        UNLOCK TABLES;
        DELIMITER ;;
        /*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER audit_orders AFTER INSERT ON `or``ders` FOR EACH ROW
        INSERT INTO `customers` VALUES (99, 'from a trigger') */;;
        DELIMITER ;

        --
        -- Table structure for table `empty`
        --

        CREATE TABLE `empty` (
          `x` int(11) DEFAULT NULL
        ) ENGINE=MyISAM;

        --
        -- Dumping routines for database 'shop'
        --
        DELIMITER ;;
        CREATE PROCEDURE `p`()
        INSERT INTO `customers` VALUES (100, 'from a procedure') ;;
        DELIMITER ;
        /*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
        /*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;

        """

    func scan(_ text: String, pieces: Int) -> MariaDBDumpScanner {
        let bytes = Array(text.utf8)
        var scanner = MariaDBDumpScanner()
        let size = max(1, bytes.count / pieces)
        var offset = 0
        while offset < bytes.count {
            scanner.consume(Array(bytes[offset..<min(bytes.count, offset + size)]))
            offset += size
        }
        scanner.finish()
        return scanner
    }

    @Test("exact rows per table however the stream is split; trigger and routine bodies are not data; names, bytes, references and sections")
    func countsRows() {
        for pieces in [1, 7, 100, Array(Self.dump.utf8).count] {
            let scanner = scan(Self.dump, pieces: pieces)
            #expect(scanner.tables.map(\.name) == ["customers", "or`ders", "empty"], "pieces \(pieces)")
            #expect(scanner.tables.map(\.rows) == [5, 2, 0], "pieces \(pieces)")
            #expect(scanner.tables[1].references == ["customers"])
            #expect(scanner.tables[1].foreignKeys == ["fk_customer"])
            #expect(scanner.tables[0].references.isEmpty)
        }
        let scanner = scan(Self.dump, pieces: 3)
        let bytes = Array(Self.dump.utf8)
        let text = { (table: MariaDBDumpScanner.Table) in String(decoding: bytes[Int(table.start)..<Int(table.end ?? 0)], as: UTF8.self) }
        #expect(text(scanner.tables[0]).hasPrefix("--\n-- Table structure for table `customers`"))
        #expect(text(scanner.tables[0]).contains("UNLOCK TABLES;"))
        #expect(!text(scanner.tables[0]).contains("or``ders"))
        #expect(text(scanner.tables[1]).contains("TRIGGER audit_orders"))
        #expect(!text(scanner.tables[2]).contains("Dumping routines"))
        #expect(String(decoding: bytes[Int(scanner.footerStart ?? 0)...], as: UTF8.self).hasPrefix("/*!40103 SET TIME_ZONE"))
        #expect(String(decoding: bytes[..<Int(scanner.headerEnd ?? 0)], as: UTF8.self).hasSuffix("=0 */;\n\n"))
        // Bytes of the data: the two INSERT statements of customers, each through its ';'.
        let lines = Self.dump.components(separatedBy: "\n")
        let data = lines.filter { ($0.hasPrefix("INSERT INTO `customers`") && !$0.contains("from a")) || $0.hasPrefix("(2,") || $0.hasPrefix("(3,") }
        #expect(data.count == 4)
        // The first statement's three lines with the newlines inside it, the second through its
        // ';': everything joined but the newline between the two statements.
        #expect(scanner.tables[0].bytes == Int64(data.joined(separator: "\n").utf8.count - 1))
    }

    @Test("random rows of awkward strings are counted exactly")
    func randomRows() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("ab'\"\\(),; \n🐘x")
        var dump = "--\n-- Table structure for table `t`\n--\n\nCREATE TABLE `t` (\n  `s` text\n) ENGINE=InnoDB;\n"
        var rows = 0
        for _ in 0..<20 {
            let tuples = (0..<Int.random(in: 1...30, using: &generator)).map { _ -> String in
                let raw = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
                // mariadb-dump's escaping: backslash before \\, ', " and newline.
                let escaped = raw.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                    .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
                return "('\(escaped)')"
            }
            rows += tuples.count
            dump += "INSERT INTO `t` VALUES " + tuples.joined(separator: ",") + ";\n"
        }
        dump += "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
        #expect(scan(dump, pieces: 13).tables.first?.rows == Int64(rows))
    }
}

/// A small deterministic generator (SplitMix64), so a failing random case repeats.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
