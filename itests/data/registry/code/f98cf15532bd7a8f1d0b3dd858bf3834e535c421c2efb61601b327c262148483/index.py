import os, socket

def handler(event, context):
    if event.get('exit'):
        os._exit(1)
    return socket.gethostname()
