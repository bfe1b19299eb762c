package io.easyfaas.kernel.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.netlink.Ipv4;

import org.junit.jupiter.api.Test;

class AddressPoolTest {

    @Test
    void theFirstHostAddressIsTheGatewayAndTheOthersGoRoundRobin() {
        AddressPool pool = AddressPool.of("10.88.7.9/29");

        assertEquals("10.88.7.8/29", pool.cidr());
        assertEquals(Ipv4.parse("10.88.7.9"), pool.gateway());
        Ipv4 first = pool.allocate();
        assertEquals(List.of("10.88.7.10", "10.88.7.11", "10.88.7.12", "10.88.7.13", "10.88.7.14"),
                List.of(first, pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()).stream().map(Ipv4::toString).toList());
        assertThrows(KernelException.class, pool::allocate, "the broadcast address is never handed out");

        pool.release(first);
        assertEquals(first, pool.allocate(), "a released address comes back");
    }

    @Test
    void aReleasedAddressIsReusedLast() {
        AddressPool pool = AddressPool.of("10.88.0.0/16");
        Ipv4 first = pool.allocate();
        pool.release(first);

        assertEquals("10.88.0.3", pool.allocate().toString());
    }

    @Test
    void rejectsWhatIsNotAnIpv4Subnet() {
        for (String subnet : List.of("10.88.0.0", "10.88.0.0/31", "10.88.0.0/4", "fd00::/64", "10.300.0.0/16", "10.88.0.0/x")) {
            assertThrows(IllegalArgumentException.class, () -> AddressPool.of(subnet), subnet);
        }
    }
}
