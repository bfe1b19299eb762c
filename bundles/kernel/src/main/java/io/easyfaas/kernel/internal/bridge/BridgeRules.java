package io.easyfaas.kernel.internal.bridge;

/**
 * The nftables rules of bridge mode, each set in a table of its own that is replaced whole
 * (declare, delete, declare again: idempotent and atomic in one nft transaction).
 */
final class BridgeRules {

    private BridgeRules() {
    }

    /**
     * Isolation: nothing from the bridge reaches the host's own addresses (any of them, as all
     * local delivery passes the input hook) unless it answers a connection the host opened, and
     * no new connection is forwarded onto the bridge, from another sandbox or from elsewhere.
     */
    static String filter(String table, String bridge) {
        return replace(table, """
                  chain input {
                    type filter hook input priority filter; policy accept;
                    iifname "%1$s" ct state established,related accept
                    iifname "%1$s" drop
                  }
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    oifname "%1$s" ct state established,related accept
                    oifname "%1$s" drop
                  }
                """.formatted(bridge));
    }

    /** Egress: traffic of the subnet leaving through another interface takes that interface's address. */
    static String nat(String table, String bridge, String subnet) {
        return replace(table, """
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    ip saddr %s oifname != "%s" masquerade
                  }
                """.formatted(subnet, bridge));
    }

    static String delete(String table) {
        return "table ip " + table + " {}\ndelete table ip " + table + "\n";
    }

    private static String replace(String table, String chains) {
        return delete(table) + "table ip " + table + " {\n" + chains + "}\n";
    }
}
