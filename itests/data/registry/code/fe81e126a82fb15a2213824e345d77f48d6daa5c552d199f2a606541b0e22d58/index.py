def helper():
    raise KeyError('missing')

def handler(event, context):
    helper()
