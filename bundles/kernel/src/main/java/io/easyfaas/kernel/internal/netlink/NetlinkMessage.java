package io.easyfaas.kernel.internal.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one netlink request: the 16-byte header, a family header (ifinfomsg, ifaddrmsg or
 * rtmsg) and attributes, nested ones included, each aligned to 4 bytes.
 */
final class NetlinkMessage {
    static final int NLA_F_NESTED = 0x8000;

    private final ByteBuffer buffer = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());

    NetlinkMessage(int type, int flags) {
        buffer.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
    }

    /** struct ifinfomsg. */
    NetlinkMessage ifinfo(int family, int index, int flags, int change) {
        buffer.put((byte) family).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
        return this;
    }

    /** struct ifaddrmsg. */
    NetlinkMessage ifaddr(int family, int prefixLength, int scope, int index) {
        buffer.put((byte) family).put((byte) prefixLength).put((byte) 0).put((byte) scope).putInt(index);
        return this;
    }

    /** struct rtmsg. */
    NetlinkMessage rtmsg(int family, int table, int protocol, int scope, int type) {
        buffer.put((byte) family).put((byte) 0).put((byte) 0).put((byte) 0)
                .put((byte) table).put((byte) protocol).put((byte) scope).put((byte) type).putInt(0);
        return this;
    }

    NetlinkMessage attribute(int type, byte[] value) {
        buffer.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        align();
        return this;
    }

    NetlinkMessage attribute(int type, int value) {
        return attribute(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    NetlinkMessage attribute(int type, String value) {
        byte[] text = value.getBytes(StandardCharsets.US_ASCII);
        byte[] terminated = new byte[text.length + 1];
        System.arraycopy(text, 0, terminated, 0, text.length);
        return attribute(type, terminated);
    }

    /** Opens a nested attribute; close it with {@link #end(int)}. Returns its start. */
    int begin(int type) {
        int start = buffer.position();
        buffer.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
        return start;
    }

    NetlinkMessage end(int start) {
        buffer.putShort(start, (short) (buffer.position() - start));
        return this;
    }

    /** The finished request with its sequence number. */
    byte[] bytes(int sequence) {
        buffer.putInt(0, buffer.position()).putInt(8, sequence);
        byte[] bytes = new byte[buffer.position()];
        buffer.get(0, bytes);
        return bytes;
    }

    private void align() {
        while (buffer.position() % 4 != 0) {
            buffer.put((byte) 0);
        }
    }
}
