# No-op handler for the benchmark: the same file runs in the engine and in bench/bare/server.py.
def handler(event, context):
    return {"ok": True}
