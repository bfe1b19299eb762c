import time

def handler(event, context):
    for i in range(5):
        print(event['name'], i)
        time.sleep(0.01)
    return event['name']
