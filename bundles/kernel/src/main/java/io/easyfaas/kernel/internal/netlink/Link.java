package io.easyfaas.kernel.internal.netlink;

/**
 * A network interface as rtnetlink reports it.
 *
 * @param flags the {@code IFF_*} flags
 * @param master the index of the bridge it is a port of, 0 when none
 */
public record Link(int index, String name, int flags, int master) {
    private static final int IFF_UP = 1;

    public boolean up() {
        return (flags & IFF_UP) != 0;
    }
}
