from .util import twice

def handler(event, context):
    return twice(event['x'])
