"""Export to and import from the S3 folder through boto3: ExportTableToPointInTime (FULL)
into `--s3-dir`, DescribeExport / ListExports, the manifests and data files on disk, then
ImportTable of the data files into a new table, DescribeImport / ListImports, and the same
items in both tables.

Run by server/tests/export_import.rs against `singletable serve` (endpoint in
SINGLETABLE_ENDPOINT, the server's `--s3-dir` in SINGLETABLE_S3_DIR, with a bucket folder
`exports`). DynamoDB Local has no export or import.
"""

import base64
import gzip
import json
import os
import time
import unittest

import boto3

SOURCE = "py-export-source"
COPY = "py-export-copy"
BUCKET = "exports"
PREFIX = "py/run1"
COUNT = 300


def client():
    return boto3.client(
        "dynamodb",
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
    )


def item(i):
    """An item with every attribute type."""
    return {
        "pk": {"S": f"user#{i % 17}"},
        "sk": {"N": str(i)},
        "s": {"S": f"text {i} é"},
        "n": {"N": f"-{i}.25"},
        "b": {"B": bytes([i % 256, 0, 255])},
        "bool": {"BOOL": i % 2 == 0},
        "null": {"NULL": True},
        "ss": {"SS": ["a", f"x{i}"]},
        "ns": {"NS": ["1", str(i + 2)]},
        "bs": {"BS": [b"\x00", bytes([i % 200 + 1])]},
        "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
        "m": {"M": {"nested": {"L": [{"BOOL": False}]}, "n": {"N": str(i)}}},
    }


def normalise(value):
    """Sets are unordered: sorted members, recursively."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("SS", "NS", "BS"):
                out[k] = sorted(v)
            else:
                out[k] = normalise(v)
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def wire(value):
    """A DynamoDB JSON value read from a data file (binary as base64) in boto3's shape."""


    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "B":
                out[k] = base64.b64decode(v)
            elif k == "BS":
                out[k] = [base64.b64decode(x) for x in v]
            else:
                out[k] = wire(v)
        return out
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def key_of(item):
    return (item["pk"]["S"], int(item["sk"]["N"]))


def scan_all(db, table):
    items, start = [], None
    while True:
        args = {"TableName": table, "ConsistentRead": True}
        if start:
            args["ExclusiveStartKey"] = start
        page = db.scan(**args)
        items.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted((normalise(i) for i in items), key=key_of)


def wait(describe, status_key, deadline=30):
    end = time.time() + deadline
    while True:
        description = describe()
        if description[status_key] != "IN_PROGRESS" or time.time() > end:
            return description
        time.sleep(0.05)


class ExportImportTest(unittest.TestCase):
    def test_full_export_then_import_round_trips(self):
        db = client()
        schema = dict(
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        arn = db.create_table(TableName=SOURCE, **schema)["TableDescription"]["TableArn"]
        # Exports read the point-in-time recovery history, as DynamoDB's do.
        db.update_continuous_backups(
            TableName=SOURCE,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        for start in range(0, COUNT, 25):
            requests = [{"PutRequest": {"Item": item(i)}} for i in range(start, min(start + 25, COUNT))]
            answer = db.batch_write_item(RequestItems={SOURCE: requests})
            self.assertEqual(answer["UnprocessedItems"], {})
        source = scan_all(db, SOURCE)
        self.assertEqual(len(source), COUNT)
        self.assertEqual(source, sorted((normalise(item(i)) for i in range(COUNT)), key=key_of))

        # The export: FULL, into the bucket folder.
        started = db.export_table_to_point_in_time(
            TableArn=arn, S3Bucket=BUCKET, S3Prefix=PREFIX, ExportFormat="DYNAMODB_JSON"
        )["ExportDescription"]
        self.assertEqual(started["TableArn"], arn)
        self.assertEqual(started["S3Bucket"], BUCKET)
        export_arn = started["ExportArn"]
        done = wait(
            lambda: db.describe_export(ExportArn=export_arn)["ExportDescription"], "ExportStatus"
        )
        self.assertEqual(done["ExportStatus"], "COMPLETED", done)
        self.assertEqual(done["ItemCount"], COUNT)
        listed = db.list_exports(TableArn=arn)["ExportSummaries"]
        self.assertIn(export_arn, [e["ExportArn"] for e in listed])
        self.assertEqual(
            [e["ExportStatus"] for e in listed if e["ExportArn"] == export_arn], ["COMPLETED"]
        )

        # The manifests and data files, as AWS lays them out.
        manifest = done["ExportManifest"]
        self.assertTrue(manifest.startswith(PREFIX + "/AWSDynamoDB/"), manifest)
        self.assertTrue(manifest.endswith("/manifest-summary.json"), manifest)
        bucket_dir = os.path.join(os.environ["SINGLETABLE_S3_DIR"], BUCKET)
        export_dir = os.path.join(bucket_dir, os.path.dirname(manifest))
        with open(os.path.join(bucket_dir, manifest)) as f:
            summary = json.load(f)
        self.assertEqual(summary["itemCount"], COUNT)
        self.assertEqual(summary["exportArn"], export_arn)
        self.assertEqual(summary["outputFormat"], "DYNAMODB_JSON")
        with open(os.path.join(export_dir, "manifest-files.json")) as f:
            files = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(sum(entry["itemCount"] for entry in files), COUNT)
        exported = []
        for entry in files:
            with gzip.open(os.path.join(bucket_dir, entry["dataFileS3Key"]), "rt") as f:
                lines = [json.loads(line) for line in f if line.strip()]
            self.assertEqual(len(lines), entry["itemCount"])
            exported.extend(normalise(wire(line["Item"])) for line in lines)
        self.assertEqual(sorted(exported, key=key_of), source)

        # The import of the data files into a new table.
        data_prefix = os.path.dirname(manifest) + "/data/"
        imported = db.import_table(
            S3BucketSource={"S3Bucket": BUCKET, "S3KeyPrefix": data_prefix},
            InputFormat="DYNAMODB_JSON",
            InputCompressionType="GZIP",
            TableCreationParameters=dict(TableName=COPY, **schema),
        )["ImportTableDescription"]
        import_arn = imported["ImportArn"]
        done = wait(
            lambda: db.describe_import(ImportArn=import_arn)["ImportTableDescription"],
            "ImportStatus",
        )
        self.assertEqual(done["ImportStatus"], "COMPLETED", done)
        self.assertEqual(done["ImportedItemCount"], COUNT)
        self.assertEqual(done["ErrorCount"], 0)
        listed = db.list_imports()["ImportSummaryList"]
        self.assertIn(import_arn, [i["ImportArn"] for i in listed])
        self.assertEqual(scan_all(db, COPY), source)


if __name__ == "__main__":
    unittest.main()
