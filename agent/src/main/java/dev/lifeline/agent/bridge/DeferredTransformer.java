package dev.lifeline.agent.bridge;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Registered by {@code premain} before anything else, so that {@code premain} returns at once and
 * the agent (Byte Buddy first of all, which takes a few hundred milliseconds to load) starts on a
 * background thread, while no class Lifeline must instrument can slip through in the meantime: a
 * host thread that loads one of the {@code watched} classes before the agent is ready waits here
 * (at most {@link #MAX_WAIT_SECONDS}), then gets the agent's transformation. Every other class
 * passes through untouched at the cost of one set lookup. Only JDK types: it is loaded from the
 * bootstrap class path, like {@link LifelineBridge}, so the entry point and the agent share one copy.
 */
public final class DeferredTransformer implements ClassFileTransformer {

    static final long MAX_WAIT_SECONDS = 30;

    private final Set<String> watched;
    private final ClassLoader agentLoader;
    private final CountDownLatch decided = new CountDownLatch(1);
    private volatile ClassFileTransformer delegate;

    /**
     * @param watched     internal names (org/sqlite/JDBC) of the classes the agent transforms
     * @param agentLoader the agent's own loader, whose classes are never held back or transformed
     */
    public DeferredTransformer(Set<String> watched, ClassLoader agentLoader) {
        this.watched = Set.copyOf(watched);
        this.agentLoader = agentLoader;
    }

    public Set<String> watched() {
        return watched;
    }

    /** The agent is ready: watched classes get {@code transformer}'s treatment from now on. */
    public void activate(ClassFileTransformer transformer) {
        delegate = transformer;
        decided.countDown();
    }

    /** Whether {@link #activate} was called (and no {@link #deactivate} since). */
    public boolean active() {
        return delegate != null;
    }

    /** The agent failed to start or was detached: nothing waits or is transformed any more. */
    public void deactivate() {
        delegate = null;
        decided.countDown();
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) throws IllegalClassFormatException {
        if (className == null || loader == agentLoader || !watched.contains(className)) {
            return null;
        }
        ClassFileTransformer d = delegate;
        if (d == null && decided.getCount() > 0) {
            try {
                decided.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            d = delegate;
        }
        if (d == null) {
            return null;
        }
        try {
            return d.transform(module, loader, className, redefined, domain, bytes);
        } catch (Throwable t) {
            // Never break the host's class loading: the class stays as it was, unprotected.
            return null;
        }
    }
}
