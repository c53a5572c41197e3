"""boto3 against `singletable serve --tls-cert FILE --tls-key FILE`: an SDK client that
trusts the server's certificate talks to it over HTTPS, and one that does not refuses it.

Run by cli/tests/serve_tls.rs, which makes a self-signed certificate, starts the
server and passes its endpoint in SINGLETABLE_ENDPOINT and the certificate's path in
SINGLETABLE_CA.
"""

import os
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import SSLError


def client(verify):
    return boto3.client(
        "dynamodb",
        endpoint_url=os.environ["SINGLETABLE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="singletable",
        aws_secret_access_key="singletable",
        verify=verify,
        # One attempt: a refused handshake is not worth botocore's retries.
        config=Config(retries={"total_max_attempts": 1}),
    )


class ServeTlsTest(unittest.TestCase):
    def test_round_trip_over_https(self):
        dynamodb = client(os.environ["SINGLETABLE_CA"])
        self.assertTrue(os.environ["SINGLETABLE_ENDPOINT"].startswith("https://"))
        dynamodb.create_table(
            TableName="tls-items",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="tls-items", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        got = dynamodb.get_item(TableName="tls-items", Key={"pk": {"S": "a"}})
        self.assertEqual(got["Item"]["n"], {"N": "1"})
        self.assertIn("tls-items", dynamodb.list_tables()["TableNames"])

    def test_an_untrusted_certificate_is_refused(self):
        # The system's CA bundle does not know the test's self-signed certificate.
        with self.assertRaises(SSLError):
            client(True).list_tables()


if __name__ == "__main__":
    unittest.main()
