package dev.podis.junit5;

import dev.podis.Podis;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * An in-process Podis for JUnit 5 tests: one server per test class, emptied (FLUSHALL) before each
 * test, handed to test methods, lifecycle methods and constructors as a {@link Podis} parameter.
 *
 * <pre>{@code
 * @ExtendWith(PodisExtension.class)
 * class CacheTest {
 *     @Test
 *     void stores(Podis podis) {
 *         try (Jedis jedis = new Jedis(podis.host(), podis.port())) { ... }
 *     }
 * }
 * }</pre>
 *
 * With configuration of your own, register it on a static field (one server for the class) and
 * reach the server through the parameter or {@link #podis()}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static PodisExtension podis = new PodisExtension(Podis.builder().config("maxmemory", "10mb"));
 * }</pre>
 *
 * <p>The server starts on first need (before the class's {@code @BeforeAll} methods, or earlier
 * when {@link #podis()} is called, e.g. from a Spring {@code @DynamicPropertySource}) and is closed
 * after the class's {@code @AfterAll} methods; {@code @Nested} classes share their outer class's
 * server. Registered on an instance (non-static) field, the extension gives each test its own server.
 */
public final class PodisExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PodisExtension.class);

    private final Podis.Builder builder;
    private boolean flushBeforeEach = true;
    private Podis podis;

    /** Podis with the embedding defaults ({@link Podis#builder()}). */
    public PodisExtension() {
        this(Podis.builder());
    }

    /** Podis built from {@code builder} (each server the extension starts is a new {@code build()}). */
    public PodisExtension(Podis.Builder builder) {
        this.builder = builder;
    }

    /** Whether to empty the server before each test (default true); false keeps data across a class's tests. */
    public PodisExtension flushBeforeEach(boolean flush) {
        this.flushBeforeEach = flush;
        return this;
    }

    /** The running server, started now if it is not yet. */
    public synchronized Podis podis() {
        if (podis == null) {
            podis = builder.build().start();
        }
        return podis;
    }

    private synchronized void stop(Podis which) {
        which.close();
        if (podis == which) {
            podis = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        owned(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Podis p = owned(context);
        if (flushBeforeEach) {
            p.flushAll();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Podis.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return owned(context);
    }

    /**
     * The server, with its closing tied to the outermost context that asked for it: the class for
     * class-level use, the test for an extension registered on an instance field.
     */
    private Podis owned(ExtensionContext context) {
        Running r = context.getStore(NAMESPACE).getOrComputeIfAbsent(this, k -> new Running(this, podis()), Running.class);
        return r.podis;
    }

    /**
     * Closes the server when JUnit closes the store of the context it was started for (JUnit 5.13
     * and later close AutoCloseable values; earlier versions close CloseableResource ones).
     */
    @SuppressWarnings("deprecation")
    private static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final PodisExtension owner;
        final Podis podis;

        Running(PodisExtension owner, Podis podis) {
            this.owner = owner;
            this.podis = podis;
        }

        @Override
        public void close() {
            owner.stop(podis);
        }
    }
}
