package io.easyfaas.kernel.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.bridge.Nft;
import io.easyfaas.kernel.internal.netlink.Rtnetlink;

import com.sun.jna.LastErrorException;

/** The probe's checks on the real kernel: each one tries the thing, then leaves no trace. */
final class KernelChecks implements HostProbe.LiveChecks {
    private static final Map<String, Integer> CLONE_FLAGS = Map.of("cgroup", 0x02000000, "ipc", 0x08000000,
            "mnt", 0x00020000, "net", 0x40000000, "pid", 0x20000000, "uts", 0x04000000);

    /**
     * Unshares on a throwaway thread: namespaces belong to the thread, so the new one goes away
     * when the thread ends and no other thread of the engine ever sees it.
     */
    @Override
    public boolean canCreateNamespace(String kind) {
        CompletableFuture<Boolean> created = new CompletableFuture<>();
        Thread attempt = new Thread(() -> {
            try {
                LibC.unshare(CLONE_FLAGS.get(kind));
                created.complete(true);
            } catch (LastErrorException | UnsatisfiedLinkError e) {
                created.complete(false);
            }
        }, "easyfaas-probe-" + kind);
        attempt.start();
        return created.join();
    }

    @Override
    public boolean netlink() {
        try (Rtnetlink rtnetlink = Rtnetlink.open()) {
            return !rtnetlink.links().isEmpty();
        } catch (KernelException e) {
            return false;
        }
    }

    @Override
    public boolean nat() {
        return Nft.find().map(Nft::natSupported).orElse(false);
    }
}
