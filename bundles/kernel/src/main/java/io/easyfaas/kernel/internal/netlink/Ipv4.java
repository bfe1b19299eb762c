package io.easyfaas.kernel.internal.netlink;

import java.nio.ByteBuffer;

/** An IPv4 address as a 32-bit number; parsed from dotted-quad text only, never looked up. */
public record Ipv4(int value) {

    public static Ipv4 parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        int value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || Integer.parseInt(part) > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            value = value << 8 | Integer.parseInt(part);
        }
        return new Ipv4(value);
    }

    public Ipv4 plus(int offset) {
        return new Ipv4(value + offset);
    }

    /** Network byte order, as netlink attributes carry it. */
    public byte[] bytes() {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    @Override
    public String toString() {
        return (value >>> 24) + "." + (value >>> 16 & 0xff) + "." + (value >>> 8 & 0xff) + "." + (value & 0xff);
    }
}
