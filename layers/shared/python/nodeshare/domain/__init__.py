"""Pure rules and the use cases built on them. Never imports boto3 or pynamodb."""
