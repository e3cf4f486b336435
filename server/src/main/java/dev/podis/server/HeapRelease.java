package dev.podis.server;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * Gives the start's garbage back to the system once the server is ready: one garbage collection,
 * requested explicitly, when the JVM runs such a request as a concurrent cycle.
 *
 * <p>Why: starting the JVM and the server and loading a dataset leave garbage on the heap that no
 * collection has reclaimed yet when the load ends: with a heap far from full, none is due. Its
 * pages stay resident, and a collector gives unused heap back only minutes later (Shenandoah,
 * the image's, after {@code ShenandoahUncommitDelay}, 5 minutes). Measured after loading 1 M
 * small hashes: 1 066 MB resident, 413 MB after one explicit collection (the heap committed went
 * from 932 to 264 MB); without data: the start's own garbage. A pod's memory then shows its data,
 * not its start.
 *
 * <p>With {@code ExplicitGCInvokesConcurrent} (Shenandoah's default; G1 with the flag set)
 * {@code System.gc()} is a concurrent cycle, which stops the server no longer than the
 * collector's usual pauses, and Shenandoah gives back what it freed at once. Without it (G1's
 * explicit collection is a full stop-the-world one; the flag reads false under ZGC too, so ZGC is
 * left alone as well) or with {@code -XX:+DisableExplicitGC}, nothing is requested. Only the
 * standalone server does this; an embedded one leaves its host JVM's collector alone.
 */
final class HeapRelease {
    private HeapRelease() {
    }

    /** Whether {@code System.gc()} here is a concurrent cycle (and not switched off). */
    static boolean concurrent() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return vm != null && "true".equals(vm.getVMOption("ExplicitGCInvokesConcurrent").getValue())
                    && "false".equals(vm.getVMOption("DisableExplicitGC").getValue());
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false; // another JVM: leave it as it is
        }
    }

    /** Requests the collection on a thread of its own (the caller does not wait for the cycle). */
    static void afterStart() {
        if (!concurrent()) {
            return;
        }
        Thread t = new Thread(System::gc, "podis-heap-release");
        t.setDaemon(true);
        t.start();
    }
}
