"""Powertools objects, made once and imported everywhere."""

from aws_lambda_powertools import Logger

logger = Logger(service="nodeshare")
