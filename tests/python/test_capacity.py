"""Throttling through `singletable serve --enforce-capacity`, seen by boto3: the
exception names DynamoDB answers with (ProvisionedThroughputExceededException on a
provisioned table, ThrottlingException for a hot key on an on-demand one), their
ThrottlingReasons, throttled batch items in UnprocessedItems, and UpdateTable raising the
capacity. botocore's own retries are off, so each throttle is seen as it is answered.

Run by server/tests/capacity_sdk.rs against a server started with enforce_capacity
(endpoint in SINGLETABLE_ENDPOINT):

    SINGLETABLE_ENDPOINT=http://127.0.0.1:8000 python -m unittest tests/python/test_capacity.py
"""

import os
import time
import unittest
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client():
    return boto3.client(
        "dynamodb",
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
        config=Config(retries={"total_max_attempts": 1}),
    )


def create(ddb, billing):
    name = "t" + uuid.uuid4().hex[:12]
    extra = (
        {"BillingMode": "PAY_PER_REQUEST"}
        if billing is None
        else {
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {
                "ReadCapacityUnits": billing[0],
                "WriteCapacityUnits": billing[1],
            },
        }
    )
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        **extra,
    )
    return name


def item(pk, sk, size=0):
    value = {"pk": {"S": pk}, "sk": {"S": sk}}
    if size:
        value["blob"] = {"S": "x" * size}
    return value


def put_until_throttled(ddb, name, items):
    accepted = 0
    for value in items:
        try:
            ddb.put_item(TableName=name, Item=value)
        except ClientError as error:
            return accepted, error.response
        accepted += 1
    raise AssertionError(f"{accepted} writes, none throttled")


class Throttling(unittest.TestCase):
    def test_a_provisioned_table_answers_provisioned_throughput_exceeded(self):
        ddb = client()
        name = create(ddb, (5, 5))
        accepted, response = put_until_throttled(
            ddb, name, (item(f"k{n}", "a") for n in range(200))
        )
        # One second of capacity at creation (5 units), plus what accrued meanwhile.
        self.assertGreaterEqual(accepted, 5)
        self.assertLess(accepted, 50)
        self.assertEqual(response["Error"]["Code"], "ProvisionedThroughputExceededException")
        self.assertIn("Consider increasing your provisioning level", response["Error"]["Message"])
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        reasons = response["ThrottlingReasons"]
        self.assertEqual(reasons[0]["reason"], "TableWriteProvisionedThroughputExceeded")
        self.assertTrue(reasons[0]["resource"].endswith(":table/" + name), reasons)

    def test_a_hot_key_on_demand_answers_throttling_exception(self):
        ddb = client()
        name = create(ddb, None)
        # Items of about 10,000 bytes: 10 write units each, one partition key value: 1,000 units a
        # second are reached after about 100 writes.
        accepted, response = put_until_throttled(
            ddb, name, (item("hot", f"{n:05}", 10_000) for n in range(2000))
        )
        self.assertGreaterEqual(accepted, 100)
        self.assertEqual(response["Error"]["Code"], "ThrottlingException")
        # The API model spells this exception's member in lower camel case.
        self.assertEqual(
            response["throttlingReasons"][0]["reason"], "TableWriteKeyRangeThroughputExceeded"
        )
        # Another partition key value is served meanwhile.
        ddb.put_item(TableName=name, Item=item("cold", "1"))

    def test_throttled_batch_items_come_back_unprocessed(self):
        ddb = client()
        name = create(ddb, (5, 5))
        requests = [{"PutRequest": {"Item": item(f"k{n}", "a")}} for n in range(25)]
        out = ddb.batch_write_item(RequestItems={name: requests})
        left = out["UnprocessedItems"].get(name, [])
        self.assertGreaterEqual(len(left), 10)
        self.assertLess(len(left), 25)
        # Everything in UnprocessedItems was not written; everything else was.
        written = ddb.scan(TableName=name, ConsistentRead=False)["Count"]
        self.assertEqual(written + len(left), 25)

    def test_update_table_raises_the_capacity(self):
        ddb = client()
        name = create(ddb, (5, 1))
        put_until_throttled(ddb, name, (item(f"k{n}", "a") for n in range(200)))
        ddb.update_table(
            TableName=name,
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 1000},
        )
        time.sleep(0.2)
        # 200 units accrued at the new rate.
        for n in range(100):
            ddb.put_item(TableName=name, Item=item(f"after{n}", "a"))


if __name__ == "__main__":
    unittest.main()
