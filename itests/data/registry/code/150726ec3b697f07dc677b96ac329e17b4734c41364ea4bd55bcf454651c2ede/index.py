def handler(event, context):
    return event['data'] + event['data'][:16]
