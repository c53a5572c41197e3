"""boto3 against `singletable serve`: a non-Rust client works unchanged.

Run by cli/tests/serve_python.rs, which starts the server and passes its
endpoint in SINGLETABLE_ENDPOINT. Standalone:

    singletable serve --port 8000 &
    SINGLETABLE_ENDPOINT=http://127.0.0.1:8000 python -m unittest tests/python/test_serve.py
"""

import os
import unittest

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError


def client_and_resource():
    options = dict(
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
    )
    return boto3.client("dynamodb", **options), boto3.resource("dynamodb", **options)


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client, cls.resource = client_and_resource()
        cls.client.create_table(
            TableName="py-orders",
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
        cls.client.get_waiter("table_exists").wait(TableName="py-orders")
        cls.table = cls.resource.Table("py-orders")

    def test_put_get_query(self):
        for n in range(5):
            self.table.put_item(Item={"pk": "user#1", "sk": n, "total": n * 10, "tags": {"a", "b"}})
        got = self.table.get_item(Key={"pk": "user#1", "sk": 3})["Item"]
        self.assertEqual(got["total"], 30)
        self.assertEqual(got["tags"], {"a", "b"})
        page = self.table.query(
            KeyConditionExpression=Key("pk").eq("user#1") & Key("sk").between(1, 3),
            ScanIndexForward=False,
        )
        self.assertEqual([item["sk"] for item in page["Items"]], [3, 2, 1])
        self.assertEqual(page["Count"], 3)
        limited = self.table.query(KeyConditionExpression=Key("pk").eq("user#1"), Limit=2)
        self.assertEqual(len(limited["Items"]), 2)
        self.assertIn("LastEvaluatedKey", limited)

    def test_condition_failure_has_dynamodb_error_code(self):
        self.table.put_item(Item={"pk": "cond", "sk": 1})
        with self.assertRaises(ClientError) as caught:
            self.table.put_item(
                Item={"pk": "cond", "sk": 1},
                ConditionExpression="attribute_not_exists(pk)",
            )
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "ConditionalCheckFailedException")
        self.assertEqual(error["Message"], "The conditional request failed")
        with self.assertRaises(self.client.exceptions.ConditionalCheckFailedException):
            self.client.delete_item(
                TableName="py-orders",
                Key={"pk": {"S": "cond"}, "sk": {"N": "1"}},
                ConditionExpression="attribute_not_exists(pk)",
            )

    def test_transaction(self):
        self.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "py-orders", "Item": {"pk": {"S": "tx"}, "sk": {"N": "1"}}}},
                {"Put": {"TableName": "py-orders", "Item": {"pk": {"S": "tx"}, "sk": {"N": "2"}}}},
            ]
        )
        with self.assertRaises(ClientError) as caught:
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "py-orders", "Item": {"pk": {"S": "tx"}, "sk": {"N": "3"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "py-orders",
                            "Key": {"pk": {"S": "tx"}, "sk": {"N": "1"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        response = caught.exception.response
        self.assertEqual(response["Error"]["Code"], "TransactionCanceledException")
        codes = [reason["Code"] for reason in response["CancellationReasons"]]
        self.assertEqual(codes, ["None", "ConditionalCheckFailed"])
        got = self.client.transact_get_items(
            TransactItems=[
                {"Get": {"TableName": "py-orders", "Key": {"pk": {"S": "tx"}, "sk": {"N": n}}}}
                for n in ("1", "2", "3")
            ]
        )
        self.assertEqual([("Item" in r) for r in got["Responses"]], [True, True, False])

    def test_list_tables_paginates(self):
        names = []
        for page in self.client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1}):
            names.extend(page["TableNames"])
        self.assertIn("py-orders", names)


if __name__ == "__main__":
    unittest.main()
