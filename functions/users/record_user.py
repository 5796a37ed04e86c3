"""The user pool's PostConfirmation and PreTokenGeneration trigger: every account that is confirmed
or signs in ends with its users row and `custom:user_id` (`domain.users.record_user`).

Cognito passes the event back as the answer. On a sign-in that completed the record, the ID token
being issued gets `custom:user_id` too (the attribute is written, but Cognito read the attributes
before the trigger ran). An error here fails the Cognito call: a confirmation or sign-in is refused
rather than left with half a record, and the next try writes it; but a verified address that
another account's record still names (`errors.AddressTaken`) is logged and the sign-in goes on.
"""

from typing import Any

from nodeshare import clock
from nodeshare.domain.users import record_user
from nodeshare.model.errors import AddressTaken
from nodeshare.observability import logger
from nodeshare.store.identity import USER_ID_ATTRIBUTE

TOKEN_GENERATION = "TokenGeneration_"


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    attributes = event.get("request", {}).get("userAttributes", {})
    try:
        user_id = record_user(event["userPoolId"], event.get("userName", ""), attributes, clock.now())
    except AddressTaken as refused:  # the sign-in goes on; her record keeps its address
        logger.warning("verified address not recorded", reason=refused.description)
        return event
    if user_id:
        logger.info("user recorded", trigger=event.get("triggerSource"), user_id=user_id)
    if user_id and str(event.get("triggerSource", "")).startswith(TOKEN_GENERATION):
        response = event.setdefault("response", {})
        response["claimsOverrideDetails"] = {"claimsToAddOrOverride": {USER_ID_ATTRIBUTE: user_id}}
    return event
