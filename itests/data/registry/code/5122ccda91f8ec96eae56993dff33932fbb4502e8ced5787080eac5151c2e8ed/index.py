import os
loads = int(os.environ.get('LOADS', '0')) + 1
os.environ['LOADS'] = str(loads)
calls = 0

def handler(event, context):
    global calls
    calls += 1
    return [loads, calls]
