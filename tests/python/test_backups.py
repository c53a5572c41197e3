"""Backups and point-in-time recovery through boto3: write, note the time, overwrite and
delete, restore to the noted second and find exactly the earlier state; on-demand
backups listed, restored with overrides and deleted.

Run by server/tests/backups_sdk.rs against `singletable serve` (endpoint in
SINGLETABLE_ENDPOINT):

    SINGLETABLE_ENDPOINT=http://127.0.0.1:8000 python -m unittest tests/python/test_backups.py
"""

import datetime
import math
import os
import time
import unittest
import uuid

import boto3
from botocore.exceptions import ClientError


def client():
    return boto3.client(
        "dynamodb",
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
    )


def create(ddb, name):
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def put(ddb, table, pk, v):
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "g": {"S": "G"}, "v": {"S": v}})


def items(ddb, table):
    return sorted(ddb.scan(TableName=table)["Items"], key=lambda item: item["pk"]["S"])


def by_gsi(ddb, table):
    out = ddb.query(
        TableName=table,
        IndexName="ByG",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "G"}},
    )
    return sorted(out["Items"], key=lambda item: item["pk"]["S"])


class BackupsTest(unittest.TestCase):
    def setUp(self):
        self.ddb = client()
        self.table = "py-" + uuid.uuid4().hex[:8]
        create(self.ddb, self.table)

    def test_point_in_time_recovery_restores_the_noted_second(self):
        ddb, table = self.ddb, self.table
        out = ddb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": 7,
            },
        )
        pitr = out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertEqual(pitr["PointInTimeRecoveryStatus"], "ENABLED")
        self.assertEqual(pitr["RecoveryPeriodInDays"], 7)
        for pk, v in [("a", "first"), ("b", "doomed"), ("c", "kept")]:
            put(ddb, table, pk, v)
        before, gsi_before = items(ddb, table), by_gsi(ddb, table)
        time.sleep(1.1)
        noted = datetime.datetime.fromtimestamp(math.floor(time.time()), datetime.timezone.utc)
        put(ddb, table, "a", "overwritten")
        ddb.delete_item(TableName=table, Key={"pk": {"S": "b"}})
        put(ddb, table, "d", "new")

        target = table + "-restored"
        out = ddb.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=target, RestoreDateTime=noted
        )
        self.assertEqual(out["TableDescription"]["TableName"], target)
        self.assertEqual(out["TableDescription"]["RestoreSummary"]["RestoreDateTime"], noted)
        self.assertEqual(items(ddb, target), before)
        self.assertEqual(by_gsi(ddb, target), gsi_before)

        described = ddb.describe_continuous_backups(TableName=table)
        pitr = described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertLessEqual(pitr["EarliestRestorableDateTime"], noted)
        self.assertGreater(pitr["LatestRestorableDateTime"], noted)

        with self.assertRaises(ClientError) as caught:
            ddb.restore_table_to_point_in_time(
                SourceTableName=table,
                TargetTableName=table + "-early",
                RestoreDateTime=noted - datetime.timedelta(hours=1),
            )
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidRestoreTimeException")

    def test_backups_list_restore_and_delete(self):
        ddb, table = self.ddb, self.table
        put(ddb, table, "a", "1")
        details = ddb.create_backup(TableName=table, BackupName="nightly")["BackupDetails"]
        self.assertEqual(details["BackupStatus"], "AVAILABLE")
        arn = details["BackupArn"]
        put(ddb, table, "a", "2")

        listed = ddb.list_backups(TableName=table)["BackupSummaries"]
        self.assertEqual([b["BackupArn"] for b in listed], [arn])
        description = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        self.assertEqual(description["SourceTableDetails"]["ItemCount"], 1)
        self.assertEqual(
            description["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"],
            "ByG",
        )

        target = table + "-from-backup"
        out = ddb.restore_table_from_backup(
            TargetTableName=target, BackupArn=arn, GlobalSecondaryIndexOverride=[]
        )
        self.assertEqual(out["TableDescription"]["RestoreSummary"]["SourceBackupArn"], arn)
        self.assertNotIn("GlobalSecondaryIndexes", out["TableDescription"])
        self.assertEqual(items(ddb, target)[0]["v"], {"S": "1"})

        deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
        self.assertEqual(deleted["BackupDetails"]["BackupStatus"], "DELETED")
        with self.assertRaises(ClientError) as caught:
            ddb.describe_backup(BackupArn=arn)
        self.assertEqual(caught.exception.response["Error"]["Code"], "BackupNotFoundException")


if __name__ == "__main__":
    unittest.main()
