"""The only code that touches DynamoDB and Cognito. Returns domain records, raises domain errors."""
