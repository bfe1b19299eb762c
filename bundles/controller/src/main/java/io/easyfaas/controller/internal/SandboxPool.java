package io.easyfaas.controller.internal;

import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Idle warm sandboxes by function revision, and the count of all sandboxes against the node's
 * cap. Taking a sandbox out of a deque is what claims it: whoever removes it owns it.
 */
final class SandboxPool {
    private final Map<String, Deque<WarmSandbox>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger sandboxes = new AtomicInteger();
    private final int maxSandboxes;

    SandboxPool(int maxSandboxes) {
        this.maxSandboxes = maxSandboxes;
    }

    /** The most recently used idle sandbox of a revision, so the others can cool down. */
    WarmSandbox takeIdle(String revisionKey) {
        Deque<WarmSandbox> deque = idle.get(revisionKey);
        WarmSandbox warm;
        while (deque != null && (warm = deque.pollFirst()) != null) {
            if (warm.sandbox.isAlive()) {
                return warm;
            }
        }
        return null;
    }

    void putIdle(WarmSandbox warm) {
        warm.idleSinceNanos = System.nanoTime();
        idle.computeIfAbsent(warm.revisionKey, k -> new ConcurrentLinkedDeque<>()).addFirst(warm);
    }

    /** Forgets a sandbox that is gone; called once per sandbox. */
    void gone(WarmSandbox warm) {
        sandboxes.decrementAndGet();
        Deque<WarmSandbox> deque = idle.get(warm.revisionKey);
        if (deque != null) {
            deque.remove(warm);
        }
    }

    /** Counts a new sandbox in if the cap allows. */
    boolean reserve() {
        if (sandboxes.incrementAndGet() <= maxSandboxes) {
            return true;
        }
        sandboxes.decrementAndGet();
        return false;
    }

    /** Gives back a reservation whose sandbox never came to be. */
    void cancelReservation() {
        sandboxes.decrementAndGet();
    }

    /** Takes out one idle sandbox of any function, the longest idle of its deque, to make room. */
    WarmSandbox takeAnyIdle() {
        for (Deque<WarmSandbox> deque : idle.values()) {
            WarmSandbox warm = deque.pollLast();
            if (warm != null) {
                return warm;
            }
        }
        return null;
    }

    /** Takes out every idle sandbox that matches. */
    List<WarmSandbox> takeIdleMatching(Predicate<WarmSandbox> condition) {
        List<WarmSandbox> taken = new java.util.ArrayList<>();
        for (Deque<WarmSandbox> deque : idle.values()) {
            for (WarmSandbox warm : deque) {
                if (condition.test(warm) && deque.remove(warm)) {
                    taken.add(warm);
                }
            }
        }
        idle.values().removeIf(Deque::isEmpty);
        return taken;
    }

    int size() {
        return sandboxes.get();
    }
}
