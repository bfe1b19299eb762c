def handler(event, context):
    print('call', event['n'])
    return 1
