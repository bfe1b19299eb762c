package io.easyfaas.kernel.internal.bridge;

import java.util.BitSet;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.netlink.Ipv4;

/**
 * The sandbox addresses of the bridge's subnet: the first host address is the bridge's own
 * (the sandboxes' gateway), the others are handed out round-robin, so an address just released
 * is the last to be reused and stale neighbour entries for it have time to expire.
 */
final class AddressPool {
    private static final int ENOSPC = 28;

    private final Ipv4 network;
    private final int prefixLength;
    private final int hostCount;
    private final BitSet used;
    private int cursor;

    private AddressPool(Ipv4 network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.hostCount = (1 << (32 - prefixLength)) - 2;
        this.used = new BitSet(hostCount + 1);
        used.set(0, 2);
        cursor = 2;
    }

    /** {@code a.b.c.d/n} with 8 ≤ n ≤ 29; host bits are ignored. */
    static AddressPool of(String cidr) {
        String[] parts = cidr.split("/", -1);
        if (parts.length != 2 || !parts[1].matches("[0-9]{1,2}") || Integer.parseInt(parts[1]) < 8
                || Integer.parseInt(parts[1]) > 29) {
            throw new IllegalArgumentException("subnet must be an IPv4 a.b.c.d/n with n from 8 to 29: " + cidr);
        }
        int prefixLength = Integer.parseInt(parts[1]);
        int mask = -1 << (32 - prefixLength);
        return new AddressPool(new Ipv4(Ipv4.parse(parts[0]).value() & mask), prefixLength);
    }

    Ipv4 gateway() {
        return network.plus(1);
    }

    int prefixLength() {
        return prefixLength;
    }

    /** The subnet as nft and ip write it. */
    String cidr() {
        return network + "/" + prefixLength;
    }

    synchronized Ipv4 allocate() {
        int free = used.nextClearBit(cursor);
        if (free > hostCount) {
            free = used.nextClearBit(2);
        }
        if (free > hostCount) {
            throw new KernelException("no free address left in " + cidr(), ENOSPC);
        }
        used.set(free);
        cursor = free + 1;
        return network.plus(free);
    }

    synchronized void release(Ipv4 address) {
        used.clear(address.value() - network.value());
    }
}
