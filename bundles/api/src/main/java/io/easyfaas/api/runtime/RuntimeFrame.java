package io.easyfaas.api.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * One frame of {@link RuntimeProtocol}: a JSON header and an opaque payload, both as bytes so
 * that the payload passes through the engine without being parsed.
 */
public record RuntimeFrame(byte[] header, byte[] payload) {

    private static final byte[] NO_PAYLOAD = new byte[0];

    public RuntimeFrame {
        payload = payload == null ? NO_PAYLOAD : payload;
    }

    /** The frame as buffers ready for a gathering write: prefix, header, payload. */
    public ByteBuffer[] encode() {
        ByteBuffer prefix = ByteBuffer.allocate(RuntimeProtocol.PREFIX_BYTES);
        prefix.putInt(header.length).putInt(payload.length).flip();
        return new ByteBuffer[] {prefix, ByteBuffer.wrap(header), ByteBuffer.wrap(payload)};
    }

    /**
     * Reassembles frames from a byte stream that arrives in pieces of any size. Not thread-safe:
     * one decoder per connection, fed by one reader.
     */
    public static final class Decoder {
        private final int maxFrameBytes;
        private final ByteBuffer prefix = ByteBuffer.allocate(RuntimeProtocol.PREFIX_BYTES);
        private byte[] header;
        private byte[] payload;
        private int filled;

        /** @param maxFrameBytes largest header plus payload accepted; a larger one is a protocol error */
        public Decoder(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
        }

        /** Consumes all of {@code in}, handing each completed frame to {@code sink}. */
        public void feed(ByteBuffer in, Consumer<RuntimeFrame> sink) throws IOException {
            while (in.hasRemaining()) {
                if (header == null) {
                    copy(in, prefix);
                    if (prefix.hasRemaining()) {
                        return;
                    }
                    prefix.flip();
                    long headerLength = Integer.toUnsignedLong(prefix.getInt());
                    long payloadLength = Integer.toUnsignedLong(prefix.getInt());
                    prefix.clear();
                    if (headerLength == 0 || headerLength + payloadLength > maxFrameBytes) {
                        throw new IOException("runtime frame of " + (headerLength + payloadLength)
                                + " bytes is empty or larger than the limit of " + maxFrameBytes);
                    }
                    header = new byte[(int) headerLength];
                    payload = payloadLength == 0 ? NO_PAYLOAD : new byte[(int) payloadLength];
                    filled = 0;
                }
                filled += take(in, filled < header.length ? header : payload,
                        filled < header.length ? filled : filled - header.length);
                if (filled == header.length + payload.length) {
                    RuntimeFrame frame = new RuntimeFrame(header, payload);
                    header = null;
                    payload = null;
                    sink.accept(frame);
                }
            }
        }

        private static void copy(ByteBuffer from, ByteBuffer to) {
            int n = Math.min(from.remaining(), to.remaining());
            to.put(to.position(), from, from.position(), n);
            to.position(to.position() + n);
            from.position(from.position() + n);
        }

        private static int take(ByteBuffer from, byte[] into, int offset) {
            int n = Math.min(from.remaining(), into.length - offset);
            from.get(into, offset, n);
            return n;
        }
    }
}
