import json

def handler(event, context):
    return json.WHO
