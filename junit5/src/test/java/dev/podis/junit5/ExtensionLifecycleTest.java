package dev.podis.junit5;

import dev.podis.Podis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** Runs sample test classes through a JUnit launcher and checks when their servers start and stop. */
class ExtensionLifecycleTest {
    static final List<Podis> SEEN = new ArrayList<>();

    @ExtendWith(PodisExtension.class)
    static class SampleA {
        @Test
        void one(Podis podis) {
            SEEN.add(podis);
            try (Jedis j = new Jedis(podis.host(), podis.port())) {
                assertEquals("PONG", j.ping());
            }
        }

        @Test
        void two(Podis podis) {
            SEEN.add(podis);
            assertTrue(podis.isRunning());
        }
    }

    @ExtendWith(PodisExtension.class)
    static class SampleB {
        @Test
        void one(Podis podis) {
            SEEN.add(podis);
        }
    }

    static class SamplePerTest {
        @RegisterExtension
        final PodisExtension podis = new PodisExtension();

        @Test
        void one(Podis p) {
            SEEN.add(p);
        }

        @Test
        void two(Podis p) {
            SEEN.add(p);
        }
    }

    private static TestExecutionSummary run(Class<?>... classes) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> c : classes) {
            request.selectors(selectClass(c));
        }
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request.build(), listener);
        return listener.getSummary();
    }

    @Test
    void aServerPerClassClosedAfterTheClass() throws Exception {
        SEEN.clear();
        TestExecutionSummary summary = run(SampleA.class, SampleB.class);
        assertEquals(0, summary.getTotalFailureCount(), () -> summary.getFailures().toString());
        assertEquals(3, summary.getTestsSucceededCount());
        assertEquals(3, SEEN.size());
        Podis a = SEEN.get(0);
        assertEquals(a, SEEN.get(1), "the tests of a class share a server");
        assertNotSame(a, SEEN.get(2), "each class has its own");
        for (Podis p : SEEN) {
            assertFalse(p.isRunning(), "closed after its class");
        }
        assertNoPodisThreads();
    }

    @Test
    void anInstanceFieldGivesEachTestItsServer() throws Exception {
        SEEN.clear();
        TestExecutionSummary summary = run(SamplePerTest.class);
        assertEquals(2, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
        assertNotSame(SEEN.get(0), SEEN.get(1));
        assertFalse(SEEN.get(0).isRunning());
        assertFalse(SEEN.get(1).isRunning());
        assertNoPodisThreads();
    }

    private static void assertNoPodisThreads() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline
                && Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("podis-") && t.isAlive())) {
            Thread.sleep(20);
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("podis-") && t.isAlive()),
                "no server thread outlives its test class");
    }
}
