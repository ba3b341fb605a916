package dev.lifeline.agent.inst;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.lang.instrument.ClassFileTransformer;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Puts {@link SqliteAdvice} into the host's sqlite-jdbc, whichever class loader has it. No class
 * changes shape, so classes already loaded (live attach) can be retransformed.
 */
final class SqliteInstrumentation {

    private SqliteInstrumentation() {
    }

    /** The transformer, not registered: the premain's {@code DeferredTransformer} delegates to it. */
    static ClassFileTransformer build(ClassLoader agentLoader, AgentBuilder.Listener listener) {
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(listener)
                // Only sqlite-jdbc, and never our own copy of it (used by restore drills).
                .ignore((type, loader, module, redefined, domain) -> loader == agentLoader
                        || !type.getName().startsWith("org.sqlite."))
                .type(named("org.sqlite.JDBC"))
                .transform((builder, type, loader, module, domain) -> builder.visit(
                        Advice.to(SqliteAdvice.ConnectionOpened.class)
                                .on(named("createConnection").and(isStatic()))))
                .type(named("org.sqlite.core.DB"))
                .transform((builder, type, loader, module, domain) -> builder.visit(
                        Advice.to(SqliteAdvice.DatabaseCallReturned.class)
                                .on(namedOneOf("exec", "execute", "executeUpdate", "executeBatch")
                                        .and(not(isAbstract())).and(not(isNative())).and(not(isStatic())))))
                .makeRaw();
    }

}
