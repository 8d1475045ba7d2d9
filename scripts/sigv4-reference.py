#!/usr/bin/env python3
"""The SigV4 tests' judge: recomputes AWS Signature V4 Authorization headers with botocore's
SigV4Auth for requests ferry sent (as a capturing proxy saw them).

stdin: a JSON list of requests, each
  {"method", "host", "target" (path and query as sent), "headers": [[name, value], ...]
   (the headers ferry's SignedHeaders names), "body_base64", "region", "service",
   "access_key", "secret_key", "token" (or null), "amz_date" (ferry's X-Amz-Date)}
stdout: a JSON list of the Authorization values botocore computes, in the same order.

The query goes to botocore as decoded parameters, so botocore encodes and sorts them the way
the AWS service does before it checks a signature (the service does not sign the query as
written)."""
import base64
import datetime
import json
import sys
from urllib.parse import unquote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def reference_authorization(request):
    stamp = datetime.datetime.strptime(request["amz_date"], "%Y%m%dT%H%M%SZ")
    # add_auth stamps the request with the current time; ferry's stamp is the one to sign with.
    botocore.auth.get_current_datetime = lambda: stamp
    path, _, query = request["target"].partition("?")
    params = []
    if query:
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            params.append((unquote(key), unquote(value)))
    headers = {name: value for name, value in request["headers"]
               if name.lower() not in ("authorization", "x-amz-date", "x-amz-security-token")}
    aws_request = AWSRequest(
        method=request["method"],
        url="http://" + request["host"] + path,
        headers=headers,
        data=base64.b64decode(request["body_base64"]),
        params=params,
    )
    credentials = Credentials(request["access_key"], request["secret_key"], request["token"])
    botocore.auth.SigV4Auth(credentials, request["service"], request["region"]).add_auth(aws_request)
    return aws_request.headers["Authorization"]


def main():
    requests = json.load(sys.stdin)
    json.dump([reference_authorization(r) for r in requests], sys.stdout)


if __name__ == "__main__":
    main()
