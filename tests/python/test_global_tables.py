"""Global tables (version 2019.11.21) through boto3: two clients in two regions on one
`singletable serve --global-tables` (endpoint in SINGLETABLE_ENDPOINT).

Run by server/tests/global_tables.rs, with replication starting REPLICATION_DELAY_MS
(SINGLETABLE_REPLICATION_DELAY_MS) after each write, so that two writes made in quick
succession in two regions are concurrent: neither has replicated when the other is made.
"""

import os
import time
import unittest
import uuid

import boto3
from botocore.exceptions import ClientError

EAST = "us-east-1"
WEST = "eu-west-1"
DELAY = int(os.environ.get("SINGLETABLE_REPLICATION_DELAY_MS", "0")) / 1000.0
# How long to wait for replication before failing.
TIMEOUT = DELAY + 10.0


def client(service, region):
    return boto3.client(
        service,
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name=region,
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
    )


def item(pk, value):
    return {"pk": {"S": pk}, "v": {"S": value}, "g": {"S": "group"}}


def error_of(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    raise AssertionError("the call succeeded")


class GlobalTablesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.east = client("dynamodb", EAST)
        cls.west = client("dynamodb", WEST)
        cls.east_streams = client("dynamodbstreams", EAST)
        cls.west_streams = client("dynamodbstreams", WEST)

    def create(self):
        """A table in us-east-1 (no stream: adding a replica turns it on)."""
        name = "gt-" + uuid.uuid4().hex[:10]
        self.east.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        return name

    def add_replica(self, name):
        return self.east.update_table(
            TableName=name, ReplicaUpdates=[{"Create": {"RegionName": WEST}}]
        )["TableDescription"]

    def get(self, db, name, pk):
        return db.get_item(TableName=name, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")

    def wait_for(self, db, name, pk, expected):
        """Polls until the item is `expected` (None: absent); fails after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            found = self.get(db, name, pk)
            if found == expected:
                return
            if time.monotonic() > deadline:
                self.fail(f"{pk} is {found}, expected {expected}")
            time.sleep(0.05)

    def records(self, streams, db, name):
        arn = db.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        return streams.get_records(ShardIterator=iterator)["Records"]

    def test_replicas_are_described_in_both_regions(self):
        name = self.create()
        self.east.put_item(TableName=name, Item=item("before", "copied"))
        described = self.add_replica(name)
        self.assertEqual(described["Replicas"], [{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}])
        self.assertEqual(described["GlobalTableVersion"], "2019.11.21")
        east = self.east.describe_table(TableName=name)["Table"]
        west = self.west.describe_table(TableName=name)["Table"]
        self.assertEqual(east["Replicas"], [{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}])
        self.assertEqual(west["Replicas"], [{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}])
        self.assertEqual(west["GlobalTableVersion"], "2019.11.21")
        self.assertEqual(
            east["StreamSpecification"],
            {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.assertEqual(west["KeySchema"], east["KeySchema"])
        self.assertEqual(
            [i["IndexName"] for i in west["GlobalSecondaryIndexes"]], ["by-g"]
        )
        self.assertIn(f":{EAST}:", east["TableArn"])
        self.assertIn(f":{WEST}:", west["TableArn"])
        # The items there before the replica was added are copied at once.
        self.assertEqual(self.get(self.west, name, "before"), item("before", "copied"))
        self.assertEqual(west["ItemCount"], 1)

    def test_writes_in_either_region_converge_and_deletes_replicate(self):
        name = self.create()
        self.add_replica(name)
        self.east.put_item(TableName=name, Item=item("from-east", "1"))
        self.west.put_item(TableName=name, Item=item("from-west", "2"))
        self.wait_for(self.west, name, "from-east", item("from-east", "1"))
        self.wait_for(self.east, name, "from-west", item("from-west", "2"))
        self.west.update_item(
            TableName=name,
            Key={"pk": {"S": "from-east"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "updated in the west"}},
        )
        self.wait_for(self.east, name, "from-east", item("from-east", "updated in the west"))
        self.east.delete_item(TableName=name, Key={"pk": {"S": "from-west"}})
        self.wait_for(self.west, name, "from-west", None)
        # The replica's index follows replicated writes.
        found = self.west.query(
            TableName=name,
            IndexName="by-g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "group"}},
        )["Items"]
        self.assertEqual(found, [item("from-east", "updated in the west")])
        # Replicated writes are in the receiving region's stream, as DynamoDB writes them.
        west_records = self.records(self.west_streams, self.west, name)
        inserted = [
            r for r in west_records
            if r["eventName"] == "INSERT" and r["dynamodb"]["Keys"] == {"pk": {"S": "from-east"}}
        ]
        self.assertEqual(len(inserted), 1)
        self.assertEqual(inserted[0]["awsRegion"], WEST)
        self.assertEqual(inserted[0]["dynamodb"]["NewImage"], item("from-east", "1"))
        removed = [r for r in west_records if r["eventName"] == "REMOVE"]
        self.assertEqual([r["dynamodb"]["Keys"] for r in removed], [{"pk": {"S": "from-west"}}])

    def test_a_concurrent_conflict_resolves_to_the_later_write_in_both_regions(self):
        name = self.create()
        self.add_replica(name)
        self.east.put_item(TableName=name, Item=item("k", "written in the east"))
        time.sleep(0.01)
        self.west.put_item(TableName=name, Item=item("k", "written in the west, later"))
        # Neither write has replicated yet: each region has its own.
        self.assertEqual(self.get(self.east, name, "k"), item("k", "written in the east"))
        self.assertEqual(
            self.get(self.west, name, "k"), item("k", "written in the west, later")
        )
        # Last writer wins: both regions end with the later write (the west's) ...
        self.wait_for(self.east, name, "k", item("k", "written in the west, later"))
        time.sleep(DELAY + 0.5)
        self.assertEqual(
            self.get(self.west, name, "k"), item("k", "written in the west, later")
        )
        self.assertEqual(
            self.get(self.east, name, "k"), item("k", "written in the west, later")
        )
        # ... and the earlier write, arriving in the west after the later one, was not
        # applied there: the west's stream has the west's write only.
        west_images = [
            r["dynamodb"].get("NewImage") for r in self.records(self.west_streams, self.west, name)
        ]
        self.assertEqual(west_images, [item("k", "written in the west, later")])
        east_events = [
            (r["eventName"], r["dynamodb"]["NewImage"]["v"]["S"])
            for r in self.records(self.east_streams, self.east, name)
        ]
        self.assertEqual(
            east_events,
            [("INSERT", "written in the east"), ("MODIFY", "written in the west, later")],
        )

    def test_dynamodb_rules_and_error_texts(self):
        name = self.create()
        self.add_replica(name)
        code, message = error_of(
            lambda: self.east.update_table(
                TableName=name, ReplicaUpdates=[{"Create": {"RegionName": EAST}}]
            )
        )
        self.assertEqual(code, "ValidationException")
        self.assertEqual(
            message,
            "Cannot add, delete, or update the local region through ReplicaUpdates. "
            "Use CreateTable, DeleteTable, or UpdateTable as required.",
        )
        self.assertEqual(
            error_of(lambda: self.add_replica(name)),
            (
                "ValidationException",
                f"Failed to create a the new replica of table with name: '{name}' because "
                "one or more replicas already existed as tables.",
            ),
        )
        self.assertEqual(
            error_of(
                lambda: self.east.update_table(
                    TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "ap-south-1"}}]
                )
            ),
            (
                "ValidationException",
                "Update global table operation failed because one or more replicas were not "
                "part of the global table. Please retry the request without these replicas: "
                "[ap-south-1].",
            ),
        )
        self.assertEqual(
            error_of(
                lambda: self.west.update_table(
                    TableName=name, StreamSpecification={"StreamEnabled": False}
                )
            ),
            (
                "ValidationException",
                "One or more parameter values were invalid: Disabling Stream is not allowed "
                "for a Global Table replica.",
            ),
        )
        # The east table acted as the source of the new replica: it stays 24 hours.
        self.assertEqual(
            error_of(lambda: self.east.delete_table(TableName=name)),
            (
                "ValidationException",
                "Replica cannot be deleted because it has acted as a source region for new "
                "replica(s) being added to the table in the last 24 hours.",
            ),
        )
        code, _ = error_of(
            lambda: self.east.update_table(
                TableName="gt-missing", ReplicaUpdates=[{"Create": {"RegionName": WEST}}]
            )
        )
        self.assertEqual(code, "ResourceNotFoundException")

    def test_removing_the_replica(self):
        name = self.create()
        self.add_replica(name)
        described = self.east.update_table(
            TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": WEST}}]
        )["TableDescription"]
        self.assertNotIn("Replicas", described)
        self.assertNotIn("GlobalTableVersion", self.east.describe_table(TableName=name)["Table"])
        code, _ = error_of(lambda: self.west.describe_table(TableName=name))
        self.assertEqual(code, "ResourceNotFoundException")
        # The table is an ordinary one again: it can be deleted (the 24-hour hold applies
        # to replicas only).
        self.east.delete_table(TableName=name)
        # A replica in the west can be added again to a new table of the same name.
        again = self.create()
        self.assertEqual(self.add_replica(again)["Replicas"][0]["RegionName"], WEST)
        # Deleting a replica with DeleteTable in its own region removes that replica only.
        self.west.delete_table(TableName=again)
        self.assertNotIn("Replicas", self.east.describe_table(TableName=again)["Table"])


if __name__ == "__main__":
    unittest.main()
