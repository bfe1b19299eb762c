# Greets the caller; `context` carries the request id and the time left.
def handler(event, context):
    return {
        "message": "Hello, %s!" % event.get("name", "world"),
        "requestId": context.aws_request_id,
        "remainingMillis": context.get_remaining_time_in_millis(),
    }
