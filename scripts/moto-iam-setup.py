#!/usr/bin/env python3
"""Prepares a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3 for Tidemark's tests.

The first three requests run without authentication and make an admin user; everything after
is signed with its key, so moto then checks signatures and IAM policies like AWS does.
Prints JSON: the bucket and one key pair per kind of user the tests need.
Usage: moto-iam-setup.py ENDPOINT BUCKET
"""
import json
import sys

import boto3

endpoint, bucket = sys.argv[1], sys.argv[2]


def client(service, key=None):
    key = key or {"AccessKeyId": "setup", "SecretAccessKey": "setup"}
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def policy(actions, resources):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]})


bootstrap = client("iam")
bootstrap.create_user(UserName="admin")
bootstrap.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=policy("*", "*"))
admin = bootstrap.create_access_key(UserName="admin")["AccessKey"]

iam = client("iam", admin)
client("s3", admin).create_bucket(Bucket=bucket)
bucket_arn = f"arn:aws:s3:::{bucket}"
users = {
    # Everything a backup needs except deleting: retention could never free space.
    "noDelete": policy(["s3:PutObject", "s3:GetObject", "s3:ListBucket"], [bucket_arn, bucket_arn + "/*"]),
    # Everything, but only under other/: any other prefix is out of reach.
    "otherPrefixOnly": policy(["s3:*"], [bucket_arn + "/other/*"]),
}
keys = {"admin": admin}
for name, document in users.items():
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)
    keys[name] = iam.create_access_key(UserName=name)["AccessKey"]

print(json.dumps({"bucket": bucket, "keys": {name: {"id": k["AccessKeyId"], "secret": k["SecretAccessKey"]} for name, k in keys.items()}}))
