"""The local stack (`make dev`): the same routes and handlers as the deployed stack, on one machine.

- `emulator`: the embedded moto server (or `AWS_ENDPOINT_URL`), tables and user pool from the
  same definitions as the CDK stack;
- `authorizer`: the HTTP API JWT authorizer's checks, against the pool's JWKS;
- `gateway`: API Gateway v2 events for the handlers named in the route table;
- `streams`: pollers feeding table streams to the same stream handler.

Not shipped in the Lambda layer.
"""
