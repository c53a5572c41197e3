"""PartiQL through boto3: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction
answer as the same reads and writes done with Query, Scan and the item operations.

Run by server/tests/partiql_sdk.rs against `singletable serve` (endpoint in
SINGLETABLE_ENDPOINT); the same file runs against DynamoDB Local, the referee:

    SINGLETABLE_ENDPOINT=http://127.0.0.1:8000 python -m unittest tests/python/test_partiql.py
"""

import os
import unittest
import uuid

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

TABLE = "py-partiql"


def clients():
    options = dict(
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
    )
    return boto3.client("dynamodb", **options), boto3.resource("dynamodb", **options)


def by_key(item):
    """The primary key of an item (wire or deserialized), to sort by."""
    return (repr(item["pk"]), repr(item["sk"]))


class PartiqlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client, resource = clients()
        try:
            cls.client.delete_table(TableName=TABLE)
            cls.client.get_waiter("table_not_exists").wait(TableName=TABLE)
        except ClientError:
            pass
        cls.client.create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        cls.client.get_waiter("table_exists").wait(TableName=TABLE)
        cls.table = resource.Table(TABLE)
        for pk in ("u1", "u2"):
            for sk in range(6):
                cls.table.put_item(
                    Item={"pk": pk, "sk": sk, "total": sk * 10, "g": f"g{sk % 2}", "tags": {"a", f"t{sk}"}}
                )

    def statement(self, text, **kw):
        return self.client.execute_statement(Statement=text, **kw)

    def all_pages(self, text, **kw):
        items, token = [], None
        while True:
            args = dict(kw)
            if token:
                args["NextToken"] = token
            page = self.statement(text, **args)
            items.extend(page["Items"])
            token = page.get("NextToken")
            if not token:
                return items

    def query(self, **kw):
        return self.client.query(TableName=TABLE, **kw)["Items"]

    def test_select_equals_query(self):
        self.assertEqual(
            self.statement(f'SELECT * FROM "{TABLE}" WHERE pk = ?', Parameters=[{"S": "u1"}])["Items"],
            self.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "u1"}}),
        )
        self.assertEqual(
            self.statement(f'SELECT * FROM "{TABLE}" WHERE pk = \'u1\' AND sk BETWEEN 1 AND 3 AND total > 10')["Items"],
            self.query(
                KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                FilterExpression="#t > :t",
                ExpressionAttributeNames={"#t": "total"},
                ExpressionAttributeValues={":p": {"S": "u1"}, ":a": {"N": "1"}, ":b": {"N": "3"}, ":t": {"N": "10"}},
            ),
        )
        self.assertEqual(
            self.statement(f'SELECT pk, sk, total FROM "{TABLE}" WHERE pk = \'u2\' ORDER BY sk DESC')["Items"],
            self.query(
                KeyConditionExpression="pk = :p",
                ProjectionExpression="pk, sk, #t",
                ExpressionAttributeNames={"#t": "total"},
                ScanIndexForward=False,
                ExpressionAttributeValues={":p": {"S": "u2"}},
            ),
        )

    def test_select_on_an_index_equals_query_on_it(self):
        self.assertEqual(
            sorted(self.statement(f'SELECT * FROM "{TABLE}"."by-g" WHERE g = \'g1\'')["Items"], key=by_key),
            sorted(
                self.query(
                    IndexName="by-g",
                    KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "g1"}},
                ),
                key=by_key,
            ),
        )

    def test_select_without_key_equals_scan_and_pages(self):
        scanned = self.table.scan(FilterExpression=Attr("total").gte(30))["Items"]
        paged = self.all_pages(f'SELECT * FROM "{TABLE}" WHERE total >= 30', Limit=3)
        deserialize = boto3.dynamodb.types.TypeDeserializer().deserialize
        self.assertEqual(
            sorted([{k: deserialize(v) for k, v in i.items()} for i in paged], key=by_key),
            sorted(scanned, key=by_key),
        )

    def test_insert_update_delete_and_returning(self):
        self.statement(f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'w', 'sk': 1, 'n': 1, 's': <<'x'>>}}")
        with self.assertRaises(ClientError) as caught:
            self.statement(f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'w', 'sk': 1}}")
        # DynamoDB's code; DynamoDB Local answers "DuplicateItem" (docs/known-differences.md).
        self.assertIn(caught.exception.response["Error"]["Code"], ("DuplicateItemException", "DuplicateItem"))
        self.assertEqual(caught.exception.response["Error"]["Message"], "Duplicate primary key exists in table")
        new = self.statement(
            f"UPDATE \"{TABLE}\" SET n = n + 1 SET s = set_add(s, <<'y'>>) WHERE pk = 'w' AND sk = 1 RETURNING ALL NEW *"
        )["Items"]
        self.assertEqual(new[0]["n"], {"N": "2"})
        self.assertEqual(sorted(new[0]["s"]["SS"]), ["x", "y"])
        self.assertEqual(self.table.get_item(Key={"pk": "w", "sk": 1})["Item"]["n"], 2)
        with self.assertRaises(ClientError) as caught:
            self.statement(
                f"UPDATE \"{TABLE}\" SET n = 0 WHERE pk = 'w' AND sk = 1 AND n = 99",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        self.assertEqual(caught.exception.response["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertEqual(caught.exception.response["Item"]["n"], {"N": "2"})
        old = self.statement(f"DELETE FROM \"{TABLE}\" WHERE pk = 'w' AND sk = 1 RETURNING ALL OLD *")["Items"]
        self.assertEqual(old[0]["n"], {"N": "2"})
        self.assertNotIn("Item", self.table.get_item(Key={"pk": "w", "sk": 1}))

    def test_syntax_errors(self):
        with self.assertRaises(ClientError) as caught:
            self.statement(f'SELECT * FROM "{TABLE}" WHERE')
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")
        self.assertTrue(
            caught.exception.response["Error"]["Message"].startswith(
                "Statement wasn't well formed, can't be processed:"
            )
        )

    def test_batch_execute_statement(self):
        out = self.client.batch_execute_statement(
            Statements=[
                {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'u1' AND sk = 1"},
                {"Statement": f"SELECT total FROM \"{TABLE}\" WHERE pk = 'u1' AND sk = ?", "Parameters": [{"N": "2"}]},
                {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'u1'"},
            ]
        )["Responses"]
        got = self.client.get_item(TableName=TABLE, Key={"pk": {"S": "u1"}, "sk": {"N": "1"}})["Item"]
        self.assertEqual(out[0]["Item"], got)
        self.assertEqual(out[1]["Item"], {"total": {"N": "20"}})
        self.assertEqual(out[2]["Error"]["Code"], "ValidationError")
        writes = self.client.batch_execute_statement(
            Statements=[
                {"Statement": f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'b', 'sk': 1}}"},
                {"Statement": f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'u1', 'sk': 1}}"},
            ]
        )["Responses"]
        self.assertNotIn("Error", writes[0])
        self.assertEqual(writes[1]["Error"]["Code"], "DuplicateItem")

    def test_execute_transaction(self):
        self.client.execute_transaction(
            TransactStatements=[
                {"Statement": f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'tx', 'sk': 1, 'n': 1}}"},
                {"Statement": f"UPDATE \"{TABLE}\" SET touched = true WHERE pk = 'u2' AND sk = 5"},
            ],
            ClientRequestToken=uuid.uuid4().hex[:32],
        )
        read = self.client.execute_transaction(
            TransactStatements=[
                {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'tx' AND sk = 1"},
                {"Statement": f"SELECT touched FROM \"{TABLE}\" WHERE pk = 'u2' AND sk = 5"},
                {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'none' AND sk = 1"},
            ]
        )["Responses"]
        self.assertEqual(read[0]["Item"]["n"], {"N": "1"})
        self.assertEqual(read[1]["Item"], {"touched": {"BOOL": True}})
        self.assertEqual(read[2], {})
        with self.assertRaises(ClientError) as caught:
            self.client.execute_transaction(
                TransactStatements=[
                    {"Statement": f"UPDATE \"{TABLE}\" SET n = 5 WHERE pk = 'tx' AND sk = 1"},
                    {"Statement": f"UPDATE \"{TABLE}\" SET n = 5 WHERE pk = 'missing' AND sk = 1"},
                ]
            )
        self.assertEqual(caught.exception.response["Error"]["Code"], "TransactionCanceledException")
        reasons = [r["Code"] for r in caught.exception.response["CancellationReasons"]]
        self.assertEqual(reasons, ["None", "ConditionalCheckFailed"])
        self.assertEqual(self.table.get_item(Key={"pk": "tx", "sk": 1})["Item"]["n"], 1)


if __name__ == "__main__":
    unittest.main()
