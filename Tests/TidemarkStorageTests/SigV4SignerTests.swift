import Foundation
import Testing
import TidemarkCore
@testable import TidemarkStorage
import TidemarkTesting

@Suite struct SigV4SignerTests {
    /// `20130524T000000Z`, the time of AWS's S3 examples.
    static let s3ExampleDate = Date(timeIntervalSince1970: 1_369_353_600)
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let s3Example = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1")

    @Test("AWS's get-vanilla example of the SigV4 test suite")
    func getVanilla() {
        let signer = SigV4Signer(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1", service: "service")
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
        #expect(SigV4Signer.amzDate(date) == "20150830T123600Z")
        let request = SigV4Signer.Request(
            method: "GET", encodedPath: "/", query: [],
            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
            payloadHash: Self.emptyHash
        )
        #expect(
            signer.authorization(for: request, at: date)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test("AWS's S3 examples: GET object with a range, list objects, PUT object")
    func s3Examples() {
        let getObject = SigV4Signer.Request(
            method: "GET", encodedPath: "/test.txt", query: [],
            headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9"), ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: Self.emptyHash
        )
        #expect(Self.s3Example.signature(for: getObject, at: Self.s3ExampleDate) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")

        let listObjects = SigV4Signer.Request(
            method: "GET", encodedPath: "/", query: [("prefix", "J"), ("max-keys", "2")],
            headers: [("host", "examplebucket.s3.amazonaws.com"), ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: Self.emptyHash
        )
        #expect(Self.s3Example.signature(for: listObjects, at: Self.s3ExampleDate) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")

        let bodyHash = SigV4Signer.payloadHash(Array("Welcome to Amazon S3.".utf8))
        #expect(bodyHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let putObject = SigV4Signer.Request(
            method: "PUT", encodedPath: "/" + SigV4Signer.encode("test$file.text", keepingSlash: true), query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", bodyHash),
            ],
            payloadHash: bodyHash
        )
        #expect(Self.s3Example.signature(for: putObject, at: Self.s3ExampleDate) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("encoding keeps only unreserved characters and, for keys, slashes")
    func encoding() {
        #expect(SigV4Signer.encode("a b/c~d_e-f.g") == "a%20b%2Fc~d_e-f.g")
        #expect(SigV4Signer.encode("dir/ü+=&", keepingSlash: true) == "dir/%C3%BC%2B%3D%26")
    }

    /// Requests as our S3 store builds them, signed by us and by botocore (the signer of the AWS
    /// CLI and boto3) from the URL as sent: the signatures must be equal.
    @Test("signatures equal botocore's for the same requests")
    func matchesBotocore() throws {
        let date = Date(timeIntervalSince1970: 1_763_700_000)
        let signer = SigV4Signer(accessKeyID: "AKIAEXAMPLE123", secretAccessKey: Secret("s3cr3t/with+chars"), region: "eu-central-1")
        struct Case {
            var method: String
            var host: String
            var path: String
            var query: [(name: String, value: String)]
            var extra: [(name: String, value: String)]
            var body: [UInt8]
        }
        let cases = [
            Case(method: "GET", host: "127.0.0.1:9000", path: "/bucket", query: [("list-type", "2"), ("prefix", "team/prod/data/"), ("continuation-token", "1/abc+def==")], extra: [], body: []),
            Case(method: "PUT", host: "bucket.s3.eu-central-1.amazonaws.com", path: "/" + SigV4Signer.encode("team/prod/data/ab/pack file ü", keepingSlash: true), query: [], extra: [("content-type", "application/octet-stream"), ("x-amz-checksum-sha256", "abc=")], body: Array("payload".utf8)),
            Case(method: "POST", host: "localhost:4566", path: "/bucket/big", query: [("uploads", "")], extra: [], body: []),
            Case(method: "PUT", host: "localhost:4566", path: "/bucket/big", query: [("uploadId", "x/y+z"), ("partNumber", "10")], extra: [("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")], body: Array(repeating: 7, count: 1000)),
            Case(method: "GET", host: "[::1]:9000", path: "/bucket/key", query: [], extra: [("range", "bytes=10-19"), ("x-amz-checksum-mode", "ENABLED")], body: []),
        ]
        var lines: [String] = []
        var ours: [String] = []
        for item in cases {
            let hash = SigV4Signer.payloadHash(item.body)
            let headers: [(name: String, value: String)] = [("host", item.host), ("x-amz-date", SigV4Signer.amzDate(date)), ("x-amz-content-sha256", hash)] + item.extra
            let query = item.query.map { "\(SigV4Signer.encode($0.name))=\(SigV4Signer.encode($0.value))" }.joined(separator: "&")
            let url = "http://\(item.host)\(item.path)\(query.isEmpty ? "" : "?" + query)"
            let request = SigV4Signer.Request(method: item.method, encodedPath: item.path, query: item.query, headers: headers, payloadHash: hash)
            ours.append(signer.signature(for: request, at: date))
            let headerObject = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            let json = try JSONSerialization.data(withJSONObject: ["method": item.method, "url": url, "headers": headerObject, "body": item.body.map { Int($0) }])
            lines.append(String(decoding: json, as: UTF8.self))
        }
        let script = """
            import json, sys
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            auth = S3SigV4Auth(Credentials('AKIAEXAMPLE123', 's3cr3t/with+chars'), 's3', 'eu-central-1')
            for line in sys.argv[1:]:
                item = json.loads(line)
                request = AWSRequest(method=item['method'], url=item['url'], headers=item['headers'], data=bytes(item['body']))
                request.context['timestamp'] = item['headers']['x-amz-date']
                print(auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request))
            """
        let output = try runSetup(["python3", "-c", script] + lines)
        #expect(output.split(separator: "\n").map(String.init) == ours)
    }
}

@Suite struct S3XMLTests {
    @Test("reads values, repeated blocks and entities, and does not confuse KeyCount with Key")
    func parse() {
        let xml = S3XML(#"<?xml version="1.0"?><ListBucketResult><KeyCount>2</KeyCount><Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>c&#x2F;d</Key><Size>0</Size></Contents><IsTruncated>true</IsTruncated><NextContinuationToken>t&lt;1</NextContinuationToken><Empty/></ListBucketResult>"#)
        #expect(xml.blocks("Contents").compactMap { $0.value("Key") } == ["a&b", "c/d"])
        #expect(xml.value("KeyCount") == "2")
        #expect(xml.value("NextContinuationToken") == "t<1")
        #expect(xml.value("Empty") == "")
        #expect(xml.value("Missing") == nil)
        #expect(S3XML.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;")
    }
}
